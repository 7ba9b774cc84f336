//! A loopback stand-in for a province's mail relay: an SMTP server
//! (RFC 5321's commands a relay client uses: EHLO/HELO, MAIL, RCPT, DATA,
//! RSET, NOOP, QUIT) that keeps what it receives in memory, with the
//! stand-ins' fault modes: `fail` answers `421` (the relay is down, try
//! later), `drop` closes the connection at once, `slow` greets late. Tests
//! and the demo read the mailbox; nothing leaves the machine.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncBufRead, AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};

use super::faults::{FaultMode, FaultSetting, Faults};

/// Largest message accepted (announced with `SIZE`).
const MAX_MESSAGE: usize = 10 * 1024 * 1024;
/// Longest command line (RFC 5321 allows 512; extensions add some).
const MAX_LINE: usize = 4096;

/// One message as the relay received it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReceivedMail {
    pub from: String,
    pub to: Vec<String>,
    /// The message as sent (headers, blank line, body), dot-stuffing undone.
    pub data: String,
}

impl ReceivedMail {
    /// The value of the first header `name` (unfolded), as it is on the
    /// wire (an encoded word stays encoded).
    pub fn header(&self, name: &str) -> Option<String> {
        let head = self.data.split("\r\n\r\n").next()?;
        let mut value: Option<String> = None;
        for line in head.split("\r\n") {
            if let Some(v) = value.as_mut() {
                if line.starts_with([' ', '\t']) {
                    v.push_str(line);
                    continue;
                }
                break;
            }
            if let Some((key, rest)) = line.split_once(':')
                && key.eq_ignore_ascii_case(name)
            {
                value = Some(rest.trim().to_owned());
            }
        }
        value
    }

    /// The subject, decoded as a mail client shows it.
    pub fn subject(&self) -> Option<String> {
        mail_parser::MessageParser::default()
            .parse(self.data.as_bytes())?
            .subject()
            .map(str::to_owned)
    }

    /// The plain text, decoded from its transfer encoding as a mail client
    /// shows it.
    pub fn text(&self) -> Option<String> {
        mail_parser::MessageParser::default()
            .parse(self.data.as_bytes())?
            .body_text(0)
            .map(|text| text.into_owned())
    }
}

/// A running SMTP stand-in; stops when dropped.
pub struct SmtpStandin {
    pub addr: SocketAddr,
    pub faults: Arc<Faults>,
    mailbox: Arc<Mutex<Vec<ReceivedMail>>>,
    _running: super::server::Thread,
}

impl SmtpStandin {
    /// Serve on `addr` (port 0: any free port) from a thread of its own.
    pub fn spawn(addr: SocketAddr) -> std::io::Result<Self> {
        Self::spawn_with_spool(addr, None)
    }

    /// As [`spawn`](Self::spawn), also writing each message to `spool` as
    /// `NNNN.eml` (the demo's way to read what applicants were sent).
    pub fn spawn_with_spool(addr: SocketAddr, spool: Option<PathBuf>) -> std::io::Result<Self> {
        if let Some(dir) = &spool {
            std::fs::create_dir_all(dir)?;
        }
        let faults = Faults::new(FaultSetting::default());
        let mailbox = Arc::new(Mutex::new(Vec::new()));
        let (serving_faults, serving_mailbox) = (
            faults.clone(),
            Mailbox {
                mails: mailbox.clone(),
                spool,
            },
        );
        let (addr, running) =
            super::server::on_thread(addr, move |listener, stopped| async move {
                tokio::select! {
                    () = serve(listener, serving_faults, serving_mailbox) => {}
                    () = stopped => {}
                }
            })?;
        Ok(Self {
            addr,
            faults,
            mailbox,
            _running: running,
        })
    }

    /// `smtp://<addr>`, as `motcua serve --smtp-url` takes it.
    pub fn url(&self) -> String {
        format!("smtp://{}", self.addr)
    }

    /// Everything received so far, oldest first.
    pub fn mailbox(&self) -> Vec<ReceivedMail> {
        self.mailbox
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone()
    }

    /// Switch the fault mode (`fail`: the relay is down).
    pub fn set_faults(&self, mode: FaultMode) {
        // Only `slow` has a delay, and none is set here.
        let _ = self.faults.set(FaultSetting::new(mode, 0));
    }
}

/// Where received messages go.
#[derive(Clone)]
struct Mailbox {
    mails: Arc<Mutex<Vec<ReceivedMail>>>,
    spool: Option<PathBuf>,
}

impl Mailbox {
    fn keep(&self, mail: ReceivedMail) {
        let mut mails = self
            .mails
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(dir) = &self.spool {
            let path = dir.join(format!("{:04}.eml", mails.len() + 1));
            if let Err(error) = std::fs::write(&path, &mail.data) {
                tracing::warn!(%error, path = %path.display(), "smtp stand-in could not spool a message");
            }
        }
        mails.push(mail);
    }
}

async fn serve(listener: TcpListener, faults: Arc<Faults>, mailbox: Mailbox) {
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            tokio::time::sleep(Duration::from_millis(50)).await;
            continue;
        };
        let (faults, mailbox) = (faults.clone(), mailbox.clone());
        tokio::spawn(async move {
            if let Err(error) = session(stream, faults.current(), &mailbox).await {
                tracing::debug!(%error, "smtp stand-in session ended");
            }
        });
    }
}

/// One SMTP session.
async fn session(stream: TcpStream, fault: FaultSetting, mailbox: &Mailbox) -> std::io::Result<()> {
    let (read, mut write) = stream.into_split();
    let mut read = BufReader::new(read);
    match fault.mode {
        FaultMode::Drop => return Ok(()),
        FaultMode::Fail => {
            write
                .write_all(b"421 4.3.2 service not available (stand-in fault mode `fail`)\r\n")
                .await?;
            return Ok(());
        }
        FaultMode::Slow => tokio::time::sleep(Duration::from_millis(fault.delay_ms)).await,
        FaultMode::Ok => {}
    }
    write
        .write_all(b"220 motcua-smtp-standin ESMTP\r\n")
        .await?;
    let (mut from, mut to) = (None::<String>, Vec::new());
    loop {
        let Some(line) = read_line(&mut read, MAX_LINE).await? else {
            return Ok(());
        };
        let verb = line.get(..4).unwrap_or(&line).to_ascii_uppercase();
        let reply: &[u8] = match verb.as_str() {
            "EHLO" => {
                b"250-motcua-smtp-standin\r\n250-8BITMIME\r\n250-SMTPUTF8\r\n250 SIZE 10485760\r\n"
            }
            "HELO" => b"250 motcua-smtp-standin\r\n",
            "MAIL" => match address(&line, "MAIL FROM:") {
                Some(sender) => {
                    (from, to) = (Some(sender), Vec::new());
                    b"250 2.1.0 ok\r\n"
                }
                None => b"501 5.5.4 MAIL FROM:<address> expected\r\n",
            },
            "RCPT" => match (from.is_some(), address(&line, "RCPT TO:")) {
                (false, _) => b"503 5.5.1 MAIL first\r\n",
                (true, Some(recipient)) if !recipient.is_empty() => {
                    to.push(recipient);
                    b"250 2.1.5 ok\r\n"
                }
                (true, _) => b"501 5.5.4 RCPT TO:<address> expected\r\n",
            },
            "DATA" if from.is_none() || to.is_empty() => b"503 5.5.1 MAIL and RCPT first\r\n",
            "DATA" => {
                write
                    .write_all(b"354 end data with <CR><LF>.<CR><LF>\r\n")
                    .await?;
                let Some(data) = read_data(&mut read).await? else {
                    write.write_all(b"552 5.3.4 message too big\r\n").await?;
                    return Ok(());
                };
                let mail = ReceivedMail {
                    from: from.take().unwrap_or_default(),
                    to: std::mem::take(&mut to),
                    data,
                };
                tracing::info!(to = ?mail.to, "smtp stand-in received a message");
                mailbox.keep(mail);
                b"250 2.0.0 queued\r\n"
            }
            "RSET" => {
                (from, to) = (None, Vec::new());
                b"250 2.0.0 ok\r\n"
            }
            "NOOP" => b"250 2.0.0 ok\r\n",
            "QUIT" => {
                write.write_all(b"221 2.0.0 bye\r\n").await?;
                return Ok(());
            }
            _ => b"502 5.5.2 command not implemented\r\n",
        };
        write.write_all(reply).await?;
    }
}

/// The address in `MAIL FROM:<a> ...` or `RCPT TO:<a> ...`.
fn address(line: &str, prefix: &str) -> Option<String> {
    let head = line.get(..prefix.len())?;
    if !head.eq_ignore_ascii_case(prefix) {
        return None;
    }
    let rest = line[prefix.len()..].trim_start();
    let inner = rest.strip_prefix('<')?;
    let end = inner.find('>')?;
    Some(inner[..end].to_owned())
}

/// One line without its CRLF; `None` at the end of the stream.
async fn read_line(
    read: &mut (impl AsyncBufRead + Unpin),
    max: usize,
) -> std::io::Result<Option<String>> {
    let mut buf = Vec::new();
    let n = (&mut *read)
        .take(max as u64)
        .read_until(b'\n', &mut buf)
        .await?;
    if n == 0 {
        return Ok(None);
    }
    while buf.last().is_some_and(|b| *b == b'\n' || *b == b'\r') {
        buf.pop();
    }
    Ok(Some(String::from_utf8_lossy(&buf).into_owned()))
}

/// The message after `DATA`, up to the lone dot; `None` when too big.
async fn read_data(read: &mut (impl AsyncBufRead + Unpin)) -> std::io::Result<Option<String>> {
    let mut data = String::new();
    loop {
        let Some(line) = read_line(read, MAX_LINE).await? else {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        };
        if line == "." {
            return Ok((data.len() <= MAX_MESSAGE).then_some(data));
        }
        if data.len() <= MAX_MESSAGE {
            data.push_str(line.strip_prefix('.').unwrap_or(&line));
            data.push_str("\r\n");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_are_read_from_the_envelope_commands() {
        assert_eq!(
            address("MAIL FROM:<a@b.vn> SIZE=10", "MAIL FROM:"),
            Some("a@b.vn".into())
        );
        assert_eq!(
            address("rcpt to: <c@d.vn>", "RCPT TO:"),
            Some("c@d.vn".into())
        );
        assert_eq!(address("RCPT TO:c@d.vn", "RCPT TO:"), None);
    }

    #[test]
    fn a_folded_header_reads_as_one_and_subject_and_text_read_decoded() {
        let mail = ReceivedMail {
            from: String::new(),
            to: Vec::new(),
            data: "Subject: =?utf-8?b?QQ==?=\r\n =?utf-8?b?Qg==?=\r\nTo: x@y.vn\r\n\r\nHồ sơ\r\n"
                .into(),
        };
        assert_eq!(
            mail.header("subject").as_deref(),
            Some("=?utf-8?b?QQ==?= =?utf-8?b?Qg==?=")
        );
        assert_eq!(mail.header("to").as_deref(), Some("x@y.vn"));
        assert_eq!(mail.subject().as_deref(), Some("AB"));
        assert_eq!(mail.text().as_deref(), Some("Hồ sơ\r\n"));
    }
}
