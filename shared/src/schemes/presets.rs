//! The presets: every provider `PROVIDER` names by itself. Kravia and
//! receeve sign inside the body and keep their code; every other preset
//! is a description in `shared/presets/<name>.json`, the same JSON a
//! custom provider's `SCHEME` holds (docs/schemes.md).

use super::any::AnyScheme;
use super::described::{Described, DescriptionError};
use super::kravia::Kravia;
use super::receeve::Receeve;

/// One preset: a provider's name and how its scheme is made.
#[derive(Debug, Clone, Copy)]
pub struct Preset {
    /// The name `PROVIDER` takes and envelopes carry: lower case.
    pub name: &'static str,
    make: Make,
}

#[derive(Debug, Clone, Copy)]
enum Make {
    Kravia,
    Receeve,
    Described(&'static str),
}

/// A preset made by a description.
const fn described(name: &'static str, json: &'static str) -> Preset {
    Preset {
        name,
        make: Make::Described(json),
    }
}

/// Every preset, in the README's order: the five providers the product
/// began with, then the others.
pub const PRESETS: [Preset; 42] = [
    Preset {
        name: "kravia",
        make: Make::Kravia,
    },
    described("kaunt", include_str!("../../presets/kaunt.json")),
    Preset {
        name: "receeve",
        make: Make::Receeve,
    },
    described("smartkyc", include_str!("../../presets/smartkyc.json")),
    described("codat", include_str!("../../presets/codat.json")),
    described("stripe", include_str!("../../presets/stripe.json")),
    described("github", include_str!("../../presets/github.json")),
    described("shopify", include_str!("../../presets/shopify.json")),
    described("slack", include_str!("../../presets/slack.json")),
    described(
        "standard-webhooks",
        include_str!("../../presets/standard-webhooks.json"),
    ),
    described("svix", include_str!("../../presets/svix.json")),
    described("paddle", include_str!("../../presets/paddle.json")),
    described("mux", include_str!("../../presets/mux.json")),
    described("calendly", include_str!("../../presets/calendly.json")),
    described("square", include_str!("../../presets/square.json")),
    described("sendgrid", include_str!("../../presets/sendgrid.json")),
    described("wise", include_str!("../../presets/wise.json")),
    described("paystack", include_str!("../../presets/paystack.json")),
    described("onfido", include_str!("../../presets/onfido.json")),
    described("lemonsqueezy", include_str!("../../presets/lemonsqueezy.json")),
    described("meta", include_str!("../../presets/meta.json")),
    described("zoom", include_str!("../../presets/zoom.json")),
    described("dropbox", include_str!("../../presets/dropbox.json")),
    described("intercom", include_str!("../../presets/intercom.json")),
    described("discord", include_str!("../../presets/discord.json")),
    described("twilio", include_str!("../../presets/twilio.json")),
    described("mandrill", include_str!("../../presets/mandrill.json")),
    described("twitch", include_str!("../../presets/twitch.json")),
    described("zendesk", include_str!("../../presets/zendesk.json")),
    described("linear", include_str!("../../presets/linear.json")),
    described("sentry", include_str!("../../presets/sentry.json")),
    described("vercel", include_str!("../../presets/vercel.json")),
    described("typeform", include_str!("../../presets/typeform.json")),
    described("docusign", include_str!("../../presets/docusign.json")),
    described("bitbucket", include_str!("../../presets/bitbucket.json")),
    described("pagerduty", include_str!("../../presets/pagerduty.json")),
    described(
        "coinbase-commerce",
        include_str!("../../presets/coinbase-commerce.json"),
    ),
    described("razorpay", include_str!("../../presets/razorpay.json")),
    described("checkout", include_str!("../../presets/checkout.json")),
    described("airtable", include_str!("../../presets/airtable.json")),
    described("clerk", include_str!("../../presets/clerk.json")),
    described("resend", include_str!("../../presets/resend.json")),
];

impl Preset {
    /// The preset called `name`, if there is one.
    pub fn named(name: &str) -> Option<&'static Preset> {
        PRESETS.iter().find(|preset| preset.name == name)
    }

    /// Its description, when it is one.
    pub fn description(&self) -> Option<&'static str> {
        match self.make {
            Make::Described(json) => Some(json),
            Make::Kravia | Make::Receeve => None,
        }
    }

    /// Its scheme. `lookup` gives the settings a description may need
    /// (`SIGNED_URL`); only a description can fail, and only a preset
    /// that needs a setting does (the tests read every one).
    pub fn scheme(&self, lookup: impl Fn(&str) -> Option<String>) -> Result<AnyScheme, DescriptionError> {
        match self.make {
            Make::Kravia => Ok(AnyScheme::Kravia(Kravia)),
            Make::Receeve => Ok(AnyScheme::Receeve(Receeve)),
            Make::Described(json) => Described::from_json(self.name, json, lookup).map(AnyScheme::Described),
        }
    }
}
