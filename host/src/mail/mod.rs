//! The [`Mailer`] over SMTP (lettre): e-mail notices handed to the
//! province's mail relay, named by a URL as lettre reads it:
//! `smtp://relay:25` (plain, for a relay on the provincial network or the
//! loopback stand-in), `smtp://relay:587?tls=required` (STARTTLS),
//! `smtps://relay:465` (TLS), with `user:password@` when the relay asks.

use async_trait::async_trait;
use lettre::message::Mailbox;
use lettre::message::header::ContentType;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use crate::app::notify::{Mail, MailFailure, Mailer};

/// The sender when the operator names none (`--mail-from`).
pub const DEFAULT_FROM: &str = "Bộ phận Một cửa <motcua@localhost>";

/// Where notices go and whom they come from.
#[derive(Clone, Debug)]
pub struct MailSettings {
    /// The relay, e.g. `smtp://127.0.0.1:2525`.
    pub smtp_url: String,
    /// The sender, e.g. `Một cửa Vĩnh Phúc <motcua@vinhphuc.gov.vn>`.
    pub from: String,
}

/// Why the mail settings cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum MailSettingsError {
    #[error("--smtp-url `{url}`: {source}")]
    Url {
        url: String,
        source: lettre::transport::smtp::Error,
    },
    #[error("--mail-from `{from}` is not a mailbox (`Name <address>` or `address`): {source}")]
    From {
        from: String,
        source: lettre::address::AddressError,
    },
}

pub struct SmtpMailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl SmtpMailer {
    pub fn new(settings: &MailSettings) -> Result<Self, MailSettingsError> {
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(&settings.smtp_url)
            .map_err(|source| MailSettingsError::Url {
                url: settings.smtp_url.clone(),
                source,
            })?
            .timeout(Some(std::time::Duration::from_secs(30)))
            .build();
        let from = settings
            .from
            .parse()
            .map_err(|source| MailSettingsError::From {
                from: settings.from.clone(),
                source,
            })?;
        Ok(Self { transport, from })
    }
}

#[async_trait]
impl Mailer for SmtpMailer {
    async fn send(&self, mail: &Mail) -> Result<(), MailFailure> {
        // The dossier's address was checked when the notice was written; one
        // the relay's parser still refuses will not become valid later.
        let to: Mailbox = mail.to.parse().map_err(|e| MailFailure {
            message: format!("the address `{}`: {e}", mail.to),
            retryable: false,
        })?;
        let message = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(mail.subject.clone())
            .message_id(Some(mail.message_id.clone()))
            .header(ContentType::TEXT_PLAIN)
            .body(mail.body.clone())
            .map_err(|e| MailFailure {
                message: format!("the message: {e}"),
                retryable: false,
            })?;
        match self.transport.send(message).await {
            Ok(_) => Ok(()),
            Err(error) => Err(MailFailure {
                retryable: !error.is_permanent(),
                message: format!("the mail relay: {error}"),
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(from: &str) -> MailSettings {
        MailSettings {
            smtp_url: "smtp://127.0.0.1:2525".into(),
            from: from.into(),
        }
    }

    #[tokio::test]
    async fn the_default_sender_and_a_vietnamese_name_are_mailboxes() {
        for from in [
            DEFAULT_FROM,
            "Một cửa Vĩnh Phúc <motcua@vinhphuc.gov.vn>",
            "a@b.vn",
        ] {
            assert!(SmtpMailer::new(&settings(from)).is_ok(), "{from}");
        }
    }

    #[tokio::test]
    async fn a_sender_or_relay_that_cannot_be_used_is_named_at_start() {
        let error = SmtpMailer::new(&settings("not a mailbox")).err().unwrap();
        assert!(
            error.to_string().contains("--mail-from `not a mailbox`"),
            "{error}"
        );
        let mut bad = settings(DEFAULT_FROM);
        bad.smtp_url = "ftp://relay".into();
        let error = SmtpMailer::new(&bad).err().unwrap();
        assert!(
            error.to_string().contains("--smtp-url `ftp://relay`"),
            "{error}"
        );
    }
}
