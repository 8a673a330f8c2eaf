//! Form bodies (`application/x-www-form-urlencoded`), read strictly: a
//! body is a form only as browsers and providers write one, visible ASCII
//! but `"` and `\` (a space as `+`, every other byte percent-encoded), every `%` followed
//! by two hex digits, every name and value UTF-8 once decoded. A lenient
//! reader would turn two different bodies into the same parameters, or
//! replace bytes a signature covered.

use percent_encoding::percent_decode;

/// One parameter, decoded: its name and value.
pub(crate) type Parameter = (String, String);

/// The parameters of `body`, in order, repeated names included; `None`
/// unless it is a form. An empty body is a form with no parameters.
pub(crate) fn parameters(body: &[u8]) -> Option<Vec<Parameter>> {
    // `"` and `\` too are always percent-encoded by form writers: without
    // them a form's text is as long as a JSON string as it is as a body.
    if !body
        .iter()
        .all(|byte| (b'!'..=b'~').contains(byte) && !matches!(byte, b'"' | b'\\'))
    {
        return None;
    }
    body.split(|byte| *byte == b'&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (name, value) = match pair.iter().position(|byte| *byte == b'=') {
                Some(at) => (pair.get(..at)?, pair.get(at + 1..)?),
                None => (pair, &b""[..]),
            };
            Some((decoded(name)?, decoded(value)?))
        })
        .collect()
}

/// A name or value decoded: `+` a space, `%XX` its byte; `None` for a `%`
/// without two hex digits or for bytes that aren't UTF-8.
fn decoded(text: &[u8]) -> Option<String> {
    let mut escapes = text.iter().enumerate().filter(|(_, byte)| **byte == b'%');
    let well_formed = escapes.all(|(at, _)| {
        text.get(at + 1..at + 3)
            .is_some_and(|digits| digits.iter().all(u8::is_ascii_hexdigit))
    });
    if !well_formed {
        return None;
    }
    let spaced: Vec<u8> = text
        .iter()
        .map(|byte| if *byte == b'+' { b' ' } else { *byte })
        .collect();
    percent_decode(&spaced).decode_utf8().ok().map(|text| text.into_owned())
}

/// What a scheme that signs a form's sorted parameters (Twilio, Mandrill)
/// signs, and the form it queues: the parameters sorted by name and then
/// value, each name followed by its value; and those parameters as a form,
/// in that order, which is all the signature proves (neither their order
/// nor their spelling in the body is signed). `None` when one name and
/// value come twice: the signers differ on whether the second counts, so
/// no one reading could be the one that was signed.
pub(crate) fn sorted(mut parameters: Vec<Parameter>) -> Option<(Vec<u8>, String)> {
    parameters.sort();
    if parameters.windows(2).any(|pair| pair.first() == pair.last()) {
        return None;
    }
    let mut signed = Vec::new();
    let mut form = form_urlencoded::Serializer::new(String::new());
    for (name, value) in &parameters {
        signed.extend_from_slice(name.as_bytes());
        signed.extend_from_slice(value.as_bytes());
        form.append_pair(name, value);
    }
    Some((signed, form.finish()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(list: &[(&str, &str)]) -> Vec<Parameter> {
        list.iter()
            .map(|(name, value)| ((*name).to_owned(), (*value).to_owned()))
            .collect()
    }

    #[test]
    fn forms_as_providers_write_them_are_read_in_order() {
        let body = b"token=gIkuvaNz&text=94070+%26+more&user_name=Zo%C3%AB&flag&text=again";
        assert_eq!(
            parameters(body).unwrap(),
            pairs(&[
                ("token", "gIkuvaNz"),
                ("text", "94070 & more"),
                ("user_name", "Zoë"),
                ("flag", ""),
                ("text", "again"),
            ])
        );
        assert_eq!(parameters(b"").unwrap(), Vec::new());
        assert_eq!(parameters(b"a=1&&b=").unwrap(), pairs(&[("a", "1"), ("b", "")]));
    }

    #[test]
    fn what_no_form_writer_sends_is_no_form() {
        for body in [
            &b"a=1 2"[..],
            b"a=%zz",
            b"a=%4",
            b"a=%C3",
            b"a=caf\xc3\xa9",
            b"a=1\n",
            b"{\"a\":1}\n",
            b"a=\x7f",
            b"a=\"1\"",
            b"a=\\",
        ] {
            assert_eq!(parameters(body), None, "{:?}", String::from_utf8_lossy(body));
        }
    }

    #[test]
    fn sorted_parameters_are_signed_and_queued_in_one_order_and_an_exact_repeat_is_refused() {
        let (signed, form) = sorted(pairs(&[("b", "2"), ("a", "z"), ("a", "y"), ("c", "x y")])).unwrap();
        assert_eq!(signed, b"ayazb2cx y");
        assert_eq!(form, "a=y&a=z&b=2&c=x+y");
        assert_eq!(parameters(form.as_bytes()).map(sorted), Some(Some((signed, form))));
        assert_eq!(sorted(pairs(&[("a", "1"), ("b", "2"), ("a", "1")])), None);
    }
}
