//! Which providers an invocation asks to release.

use serde_json::Value;
use webhook_receiver::schemes::Preset;

use crate::error::ReleaseError;
use crate::settings::secret_setting;

/// The providers `event` asks for, by name, among `served` (each a name
/// and its secret's id):
/// - `{"provider": "kaunt"}`: that one (it must be served);
/// - `{}`, or the schedule's event: every one;
/// - a Secrets Manager API call as EventBridge delivers it
///   (`detail.requestParameters.secretId`): the one whose secret changed,
///   or every one when the secret is none of theirs (releasing costs
///   little when the quarantine is empty).
pub fn providers_asked(event: &Value, served: &[(&str, &str)]) -> Result<Vec<String>, ReleaseError> {
    let every = || served.iter().map(|(provider, _)| (*provider).to_owned()).collect();
    if let Some(name) = event.get("provider") {
        let name = name.as_str().ok_or(ReleaseError::BadEvent)?;
        return if served.iter().any(|(served, _)| *served == name) {
            Ok(vec![name.to_owned()])
        } else if Preset::named(name).is_some() {
            Err(ReleaseError::NotServed {
                provider: name.to_owned(),
                setting: secret_setting(name),
            })
        } else {
            Err(ReleaseError::UnknownProvider)
        };
    }
    let changed = event
        .pointer("/detail/requestParameters/secretId")
        .and_then(Value::as_str);
    let Some(changed) = changed else { return Ok(every()) };
    let matching: Vec<String> = served
        .iter()
        .filter(|(_, secret_id)| same_secret(changed, secret_id))
        .map(|(provider, _)| (*provider).to_owned())
        .collect();
    Ok(if matching.is_empty() { every() } else { matching })
}

/// Whether two ways of naming a secret (a name, or an ARN, which ends in
/// `:secret:<name>-<six characters>`) name the same one.
fn same_secret(a: &str, b: &str) -> bool {
    let name = |id: &str| -> String {
        match id.split_once(":secret:") {
            Some((_, named)) => named
                .rsplit_once('-')
                .filter(|(_, suffix)| suffix.len() == 6)
                .map_or(named, |(name, _)| name)
                .to_owned(),
            None => id.to_owned(),
        }
    };
    a == b || name(a) == name(b)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn served() -> Vec<(&'static str, &'static str)> {
        vec![
            ("kaunt", "webhooks/kaunt"),
            (
                "codat",
                "arn:aws:secretsmanager:eu-west-1:123456789012:secret:webhooks/codat-AbCdEf",
            ),
            ("acme-pay", "webhooks/acme-pay"),
        ]
    }

    #[test]
    fn one_every_or_the_one_whose_secret_changed() {
        let served = served();
        assert_eq!(
            providers_asked(&json!({"provider": "kaunt"}), &served).unwrap(),
            ["kaunt"]
        );
        assert_eq!(
            providers_asked(&json!({"provider": "acme-pay"}), &served).unwrap(),
            ["acme-pay"]
        );
        assert_eq!(
            providers_asked(&json!({}), &served).unwrap(),
            ["kaunt", "codat", "acme-pay"]
        );
        let scheduled = json!({"source": "aws.events", "detail-type": "Scheduled Event", "detail": {}});
        assert_eq!(providers_asked(&scheduled, &served).unwrap().len(), 3);
        let put = |secret_id: &str| {
            json!({"source": "aws.secretsmanager", "detail-type": "AWS API Call via CloudTrail",
                   "detail": {"eventName": "PutSecretValue", "requestParameters": {"secretId": secret_id}}})
        };
        let arn = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:webhooks/kaunt-XyZ123";
        assert_eq!(providers_asked(&put(arn), &served).unwrap(), ["kaunt"]);
        assert_eq!(providers_asked(&put("webhooks/codat"), &served).unwrap(), ["codat"]);
        assert_eq!(providers_asked(&put("someone-elses"), &served).unwrap().len(), 3);
    }

    #[test]
    fn a_provider_not_served_or_unknown_is_an_error() {
        let served = served();
        assert!(matches!(
            providers_asked(&json!({"provider": "kravia"}), &served),
            Err(ReleaseError::NotServed { provider, setting }) if provider == "kravia" && setting == "KRAVIA_SECRET_ID"
        ));
        assert!(matches!(
            providers_asked(&json!({"provider": "no-such-provider"}), &served),
            Err(ReleaseError::UnknownProvider)
        ));
        assert!(matches!(
            providers_asked(&json!({"provider": 7}), &served),
            Err(ReleaseError::BadEvent)
        ));
    }
}
