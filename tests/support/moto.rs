//! One real `moto_server` per test process, on a free loopback port.

use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

/// A running moto server.
pub struct Moto {
    /// `http://127.0.0.1:<port>`.
    pub endpoint: String,
    /// While this pipe is open the server lives; when the test process
    /// exits it closes and the watchdog shell stops the server.
    _lifeline: Mutex<ChildStdin>,
    /// The watchdog shell; it exits with the server.
    _watchdog: Mutex<Child>,
}

static SERVER: OnceLock<Moto> = OnceLock::new();

/// The shared server, started on first use.
pub fn server() -> &'static Moto {
    SERVER.get_or_init(start)
}

/// Where `moto_server` is: `$MOTO_SERVER`, else the project's `.venv`
/// (which `scripts/test` creates).
fn moto_server_path() -> PathBuf {
    if let Some(path) = std::env::var_os("MOTO_SERVER") {
        return PathBuf::from(path);
    }
    let path = super::workspace_dir().join(".venv/bin/moto_server");
    assert!(
        path.exists(),
        "moto_server not found at {}: run scripts/test (it installs moto into .venv) or set MOTO_SERVER",
        path.display()
    );
    path
}

fn start() -> Moto {
    let moto = moto_server_path();
    for _ in 0..5 {
        let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let mut child = Command::new("sh")
            .arg("-c")
            .arg(r#""$0" -H 127.0.0.1 -p "$1" >/dev/null 2>&1 & server=$!; cat >/dev/null; kill $server"#)
            .arg(&moto)
            .arg(port.to_string())
            .stdin(Stdio::piped())
            .spawn()
            .unwrap();
        let lifeline = child.stdin.take().unwrap();
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            if TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return Moto {
                    endpoint: format!("http://127.0.0.1:{port}"),
                    _lifeline: Mutex::new(lifeline),
                    _watchdog: Mutex::new(child),
                };
            }
            if child.try_wait().unwrap().is_some() {
                break;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        drop(lifeline);
        let _ = child.wait();
    }
    panic!("moto_server did not start");
}
