//! Just enough PEM to read the keys people paste into Secrets Manager.

use super::encoding::decode_base64;

/// The DER inside the first PEM block labelled with one of `labels`.
/// Tolerates what a console paste does to PEM: CRLF, indentation, and
/// newlines written as the two characters `\n` (backslash is not base64,
/// so removing those sequences is unambiguous).
pub fn decode_pem(text: &str, labels: &[&str]) -> Result<Vec<u8>, String> {
    let text = text.replace("\\r", "").replace("\\n", "\n");
    for label in labels {
        let begin = format!("-----BEGIN {label}-----");
        let end = format!("-----END {label}-----");
        let Some(start) = text.find(&begin) else { continue };
        let after_begin = text.get(start + begin.len()..).unwrap_or_default();
        let Some(stop) = after_begin.find(&end) else {
            return Err(format!("the PEM block {label} has no END line"));
        };
        let base64: String = after_begin
            .get(..stop)
            .unwrap_or_default()
            .chars()
            .filter(|c| !c.is_ascii_whitespace())
            .collect();
        return match decode_base64(&base64) {
            Some(der) if !der.is_empty() => Ok(der),
            _ => Err(format!("the PEM block {label} is not base64")),
        };
    }
    Err(format!("no PEM block labelled {}", labels.join(" or ")))
}

#[cfg(test)]
mod tests {
    use super::*;

    const PEM: &str = "-----BEGIN PUBLIC KEY-----\nAQID\nBAU=\n-----END PUBLIC KEY-----\n";

    #[test]
    fn reads_the_block_and_ignores_layout() {
        assert_eq!(decode_pem(PEM, &["PUBLIC KEY"]), Ok(vec![1, 2, 3, 4, 5]));
        let pasted = PEM.replace('\n', "\\n");
        assert_eq!(decode_pem(&pasted, &["PUBLIC KEY"]), Ok(vec![1, 2, 3, 4, 5]));
        let crlf_indented = PEM.replace('\n', "\r\n  ");
        assert_eq!(decode_pem(&crlf_indented, &["PUBLIC KEY"]), Ok(vec![1, 2, 3, 4, 5]));
    }

    #[test]
    fn malformed_pem_is_refused() {
        assert!(decode_pem("MIIB...", &["PUBLIC KEY"]).is_err());
        assert!(decode_pem("-----BEGIN PUBLIC KEY-----\nAQID\n", &["PUBLIC KEY"]).is_err());
        assert!(decode_pem(
            "-----BEGIN PUBLIC KEY-----\n*!*\n-----END PUBLIC KEY-----",
            &["PUBLIC KEY"]
        )
        .is_err());
        assert!(decode_pem(PEM, &["PRIVATE KEY"]).is_err());
    }
}
