//! Just enough HTTP/1.1 for the loopback proxies in front of moto: read one
//! request (head and `Content-Length` body), and relay it to moto on a
//! fresh connection. moto answers one request per connection and closes
//! it, so its whole answer is what it sent before closing.

use std::future::Future;
use std::net::SocketAddr;

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// Listens on a free loopback port, on a thread of its own until the
/// process ends, and hands each connection to `serve` as a task: the
/// proxies run beside whatever runtime the test uses. Returns the port.
pub fn serve_in_background<F, Fut>(serve: F) -> u16
where
    F: Fn(TcpStream) -> Fut + Send + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async move {
            let listener = TcpListener::from_std(listener).unwrap();
            while let Ok((client, _)) = listener.accept().await {
                tokio::spawn(serve(client));
            }
        });
    });
    port
}

/// One HTTP message (a request, or an answer) from `peer`: its head and a
/// `Content-Length` body. `None` when the peer closes first.
pub async fn read_message(peer: &mut (impl AsyncRead + Unpin)) -> Option<Vec<u8>> {
    let mut request = Vec::new();
    let mut chunk = [0u8; 16 * 1024];
    let head_end = loop {
        let n = peer.read(&mut chunk).await.ok().filter(|n| *n > 0)?;
        request.extend_from_slice(&chunk[..n]);
        if let Some(at) = request.windows(4).position(|w| w == b"\r\n\r\n") {
            break at + 4;
        }
    };
    let length = header(&request[..head_end], "content-length")
        .and_then(|value| value.parse().ok())
        .unwrap_or(0);
    while request.len() < head_end + length {
        let n = peer.read(&mut chunk).await.ok().filter(|n| *n > 0)?;
        request.extend_from_slice(&chunk[..n]);
    }
    Some(request)
}

/// The first value of header `name` (lowercase) in a message's head.
pub fn header(message: &[u8], name: &str) -> Option<String> {
    let head = String::from_utf8_lossy(message);
    let head = head.split("\r\n\r\n").next().unwrap_or_default();
    head.lines().skip(1).find_map(|line| {
        let (key, value) = line.split_once(':')?;
        key.trim().eq_ignore_ascii_case(name).then(|| value.trim().to_owned())
    })
}

/// `request` sent to `upstream` on a fresh connection, and its whole
/// answer. The answer ends where its `Content-Length` says, not where moto
/// closes the connection: moto (werkzeug) closes a while after its last
/// byte, which would otherwise be added to every call.
pub async fn forward(upstream: SocketAddr, request: &[u8]) -> Option<Vec<u8>> {
    let mut connection = TcpStream::connect(upstream).await.ok()?;
    let _ = connection.set_nodelay(true);
    connection.write_all(request).await.ok()?;
    let mut answer = read_message(&mut connection).await?;
    if header(&answer, "content-length").is_none() {
        connection.read_to_end(&mut answer).await.ok()?;
    }
    Some(answer)
}

/// `answer` rewritten so that the connection it goes back on can stay
/// open, as AWS's endpoints keep it: without `Connection: close`, and
/// with a `Content-Length` (the whole body is known).
pub fn keeping_alive(answer: &[u8]) -> Option<Vec<u8>> {
    let head_end = answer.windows(4).position(|w| w == b"\r\n\r\n")?;
    let head = std::str::from_utf8(&answer[..head_end]).ok()?;
    let body = &answer[head_end + 4..];
    let mut rewritten = String::new();
    for (n, line) in head.split("\r\n").enumerate() {
        let name = line.split(':').next().unwrap_or_default().trim().to_ascii_lowercase();
        if n > 0 && matches!(name.as_str(), "connection" | "content-length" | "transfer-encoding") {
            continue;
        }
        rewritten.push_str(line);
        rewritten.push_str("\r\n");
    }
    rewritten.push_str(&format!("content-length: {}\r\n\r\n", body.len()));
    let mut message = rewritten.into_bytes();
    message.extend_from_slice(body);
    Some(message)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_answer_kept_alive_loses_its_close_and_states_its_length() {
        let answer = b"HTTP/1.1 200 OK\r\nServer: Werkzeug\r\nConnection: close\r\n\r\n{\"ok\":true}";
        let kept = keeping_alive(answer).unwrap();
        let text = String::from_utf8(kept).unwrap();
        assert_eq!(
            text,
            "HTTP/1.1 200 OK\r\nServer: Werkzeug\r\ncontent-length: 11\r\n\r\n{\"ok\":true}"
        );
        assert_eq!(header(text.as_bytes(), "content-length").as_deref(), Some("11"));
        assert_eq!(header(text.as_bytes(), "connection"), None);
    }
}
