//! `lmsnoop serve` under block clients nobody here wrote: fio with its own verification,
//! qemu-io, qemu-img bench, nbdcopy, and hostile raw clients; each run ends with SIGINT and
//! `qemu-img compare` of the two images. Everything listens on 127.0.0.1 and every wait
//! is bounded.

mod cli_support;

use cli_support::text;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use lmsnoop::serve::bench::{free_port as port_now, need, wait_port};

/// A tool the test needs: present, or the test fails saying how to install it.
fn tool(name: &str, package: &str) -> &'static str {
    if let Err(e) = need(name, package) {
        panic!("{e} (scripts/test.sh installs it)");
    }
    Box::leak(name.to_string().into_boxed_str())
}

fn free_port() -> u16 {
    port_now().expect("a free port")
}

fn wait_for_port(port: u16, child: &mut Child) {
    if let Err(e) = wait_port(port, child) {
        panic!("port {port}: {e}");
    }
}

/// A scratch directory, removed on drop.
struct Scratch(PathBuf);

impl Scratch {
    fn new(label: &str) -> Self {
        let dir =
            std::env::temp_dir().join(format!("lmsnoop-serve-{}-{label}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Scratch(dir)
    }
    fn path(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A source image of `mib` MiB: seeded pseudo-random data, with a hole of zeroes.
fn image(path: &Path, mib: usize, seed: u64) {
    let mut x = seed | 1;
    let mut data = vec![0u8; mib << 20];
    for chunk in data.chunks_mut(8) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        chunk.copy_from_slice(&x.to_le_bytes()[..chunk.len()]);
    }
    let hole = (mib << 20) / 4;
    data[hole..2 * hole].fill(0);
    std::fs::write(path, data).unwrap();
}

struct Server {
    child: Child,
    port: u16,
    uri: String,
    /// Its stderr lines so far.
    log: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
    reader: Option<std::thread::JoinHandle<()>>,
}

fn start(src: &Path, dst: &str, extra: &[&str]) -> Server {
    let port = free_port();
    let listen = format!("127.0.0.1:{port}");
    let mut args = vec![
        "serve",
        "--source",
        src.to_str().unwrap(),
        "--target",
        dst,
        "--listen",
        &listen,
        "--quiet",
    ];
    args.extend_from_slice(extra);
    let mut child = Command::new(env!("CARGO_BIN_EXE_lmsnoop"))
        .args(&args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("lmsnoop runs");
    let log = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let stderr = child.stderr.take().unwrap();
    let sink = std::sync::Arc::clone(&log);
    let reader = std::thread::spawn(move || {
        use std::io::BufRead;
        for line in std::io::BufReader::new(stderr)
            .lines()
            .map_while(Result::ok)
        {
            sink.lock().unwrap().push(line);
        }
    });
    wait_for_port(port, &mut child);
    Server {
        child,
        port,
        uri: format!("nbd://127.0.0.1:{port}"),
        log,
        reader: Some(reader),
    }
}

impl Server {
    /// Waits up to `secs` for a stderr line containing `what`.
    fn wait_line(&self, what: &str, secs: u64) {
        let deadline = Instant::now() + Duration::from_secs(secs);
        while Instant::now() < deadline {
            if self.log.lock().unwrap().iter().any(|l| l.contains(what)) {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        panic!(
            "no {what:?} within {secs} s: {:?}",
            self.log.lock().unwrap()
        );
    }

    /// SIGINT, then the server's output (stderr as collected); it must end within `secs`.
    fn stop(self, secs: u64) -> Output {
        self.signal("-INT", secs)
    }

    /// `sig` (as `kill` spells it), then the server's output.
    fn signal(mut self, sig: &str, secs: u64) -> Output {
        let pid = self.child.id().to_string();
        assert!(Command::new("kill")
            .args([sig, &pid])
            .status()
            .unwrap()
            .success());
        let deadline = Instant::now() + Duration::from_secs(secs);
        while self.child.try_wait().unwrap().is_none() {
            if Instant::now() > deadline {
                let _ = self.child.kill();
                panic!("serve did not finish within {secs} s of SIGINT");
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let mut out = self.child.wait_with_output().unwrap();
        if let Some(r) = self.reader.take() {
            r.join().unwrap();
        }
        out.stderr = self.log.lock().unwrap().join("\n").into_bytes();
        out
    }
}

/// Runs a client to completion within `secs`, asserting success.
fn client(program: &str, args: &[&str], secs: u64) -> String {
    let mut child = Command::new(program)
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("{program}: {e}"));
    let deadline = Instant::now() + Duration::from_secs(secs);
    while child.try_wait().unwrap().is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("{program} {args:?} did not finish within {secs} s");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{program} {args:?}: {}\n{}",
        text(&out.stdout),
        text(&out.stderr)
    );
    text(&out.stdout)
}

/// The server ended well and the images are identical byte for byte.
fn assert_migrated(out: &Output, src: &Path, dst: &Path) -> String {
    let report = text(&out.stdout);
    assert!(
        out.status.success(),
        "serve failed: {report}\n{}",
        text(&out.stderr)
    );
    assert!(report.contains("lost updates 0"), "{report}");
    let qemu_img = tool("qemu-img", "qemu-utils");
    let cmp = client(
        qemu_img,
        &[
            "compare",
            "-f",
            "raw",
            "-F",
            "raw",
            src.to_str().unwrap(),
            dst.to_str().unwrap(),
        ],
        60,
    );
    assert!(cmp.contains("Images are identical"), "{cmp}");
    report
}

/// fio with its own verification: `jobs` connections, each on its own 8 MiB region.
fn fio_jobs(uri: &str, rw: &str, depth: &str, seed: &str, jobs: u32) {
    let fio = tool("fio", "fio");
    client(
        fio,
        &[
            "--name=lmsnoop",
            "--ioengine=nbd",
            &format!("--uri={uri}"),
            &format!("--rw={rw}"),
            "--bs=4k",
            &format!("--iodepth={depth}"),
            "--size=8M",
            "--offset_increment=8M",
            &format!("--numjobs={jobs}"),
            "--io_size=3M",
            "--verify=crc32c",
            "--do_verify=1",
            // fio would leave its verify state files in the working tree.
            "--verify_state_save=0",
            &format!("--randseed={seed}"),
        ],
        120,
    );
}

fn fio(uri: &str, rw: &str, depth: &str, seed: &str) {
    fio_jobs(uri, rw, depth, seed, 1);
}

#[test]
fn fio_writes_verify_and_the_images_match_for_every_method() {
    for method in ["naive", "cursor", "bitmap", "clear"] {
        let dir = Scratch::new(method);
        let (src, dst) = (dir.path("src.img"), dir.path("dst.img"));
        image(&src, 24, 7);
        // Slow copies keep pre-copy running while fio writes.
        let s = start(
            &src,
            dst.to_str().unwrap(),
            &[
                "--method",
                method,
                "--copy-rate",
                "8MiB",
                "--granule",
                "16KiB",
            ],
        );
        // Three clients at once, then one writing sequentially.
        fio_jobs(&s.uri, "randwrite", "32", "1", 3);
        fio(&s.uri, "write", "1", "2");
        let report = assert_migrated(&s.stop(60), &src, &dst);
        assert!(report.contains(&format!("method {method}")), "{report}");
    }
}

/// The other two combinations of pattern and depth (the per-method test runs random at
/// qd 32 and sequential at qd 1).
#[test]
fn fio_random_at_qd1_and_sequential_at_qd32() {
    let dir = Scratch::new("combos");
    let (src, dst) = (dir.path("src.img"), dir.path("dst.img"));
    image(&src, 8, 17);
    let s = start(
        &src,
        dst.to_str().unwrap(),
        &["--copy-rate", "4MiB", "--granule", "16KiB"],
    );
    fio(&s.uri, "randwrite", "1", "6");
    fio(&s.uri, "write", "32", "7");
    assert_migrated(&s.stop(60), &src, &dst);
}

/// Once migrated the export stays in sync: writes from several clients go to both images.
#[test]
fn after_the_final_pass_writes_are_mirrored() {
    let dir = Scratch::new("ready");
    let (src, dst) = (dir.path("src.img"), dir.path("dst.img"));
    image(&src, 24, 13);
    let plot = dir.path("serve.svg");
    let s = start(
        &src,
        dst.to_str().unwrap(),
        &["--method", "clear", "--plot", plot.to_str().unwrap()],
    );
    s.wait_line("ready: target in sync", 30);
    fio_jobs(&s.uri, "randwrite", "16", "4", 3);
    let out = s.stop(60);
    let report = assert_migrated(&out, &src, &dst);
    let svg = std::fs::read_to_string(&plot).expect("--plot wrote the chart");
    assert!(
        svg.starts_with("<svg") && svg.contains("clear"),
        "{svg:.200}"
    );
    assert!(report.contains("final"), "{report}");
    assert!(
        text(&out.stderr).contains("downtime"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn qemu_clients_and_nbdcopy_write_through_it() {
    let dir = Scratch::new("qemu");
    let (src, dst, other) = (
        dir.path("src.img"),
        dir.path("dst.img"),
        dir.path("other.img"),
    );
    image(&src, 16, 3);
    image(&other, 16, 99);
    let s = start(&src, dst.to_str().unwrap(), &["--copy-rate", "8MiB"]);
    let qemu_io = tool("qemu-io", "qemu-utils");
    client(
        qemu_io,
        &[
            "-f",
            "raw",
            &s.uri,
            "-c",
            "write -P 0x5a 1M 64k",
            "-c",
            "write -P 0xa5 5M 4k",
            "-c",
            "write -z 9M 128k",
            "-c",
            "discard 12M 64k",
            "-c",
            "read -P 0x5a 1M 64k",
            "-c",
            "flush",
        ],
        60,
    );
    let qemu_img = tool("qemu-img", "qemu-utils");
    client(
        qemu_img,
        &[
            "bench", "-w", "-f", "raw", "-t", "none", "-c", "2000", "-s", "4k", "-d", "16", &s.uri,
        ],
        60,
    );
    let nbdcopy = tool("nbdcopy", "libnbd-bin");
    client(nbdcopy, &[other.to_str().unwrap(), &s.uri], 60);
    let out = s.stop(60);
    assert_migrated(&out, &src, &dst);
    // nbdcopy wrote the whole image last: the source is now `other`.
    assert_eq!(std::fs::read(&src).unwrap(), std::fs::read(&other).unwrap());
}

#[test]
fn it_copies_onto_an_nbd_target() {
    let qemu_nbd = tool("qemu-nbd", "qemu-utils");
    let dir = Scratch::new("nbdtarget");
    let (src, dst) = (dir.path("src.img"), dir.path("dst.img"));
    image(&src, 8, 5);
    std::fs::write(&dst, vec![0xEEu8; 8 << 20]).unwrap(); // stale content: all must be copied
    let (mut target, port) = qemu_nbd_target(qemu_nbd, &dst);
    let s = start(&src, &format!("nbd://127.0.0.1:{port}"), &[]);
    fio(&s.uri, "randwrite", "8", "3");
    let out = s.stop(60);
    let _ = target.kill();
    let _ = target.wait();
    assert_migrated(&out, &src, &dst);
}

/// `qemu-nbd` serving `image` on a free loopback port, once it listens.
fn qemu_nbd_target(qemu_nbd: &str, image: &Path) -> (Child, u16) {
    let port = free_port();
    let mut child = Command::new(qemu_nbd)
        .args([
            "-f",
            "raw",
            "-b",
            "127.0.0.1",
            "-p",
            &port.to_string(),
            "--persistent",
        ])
        .arg(image)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    wait_for_port(port, &mut child);
    (child, port)
}

/// A target that dies mid-migration fails the run loudly: clients keep being served from
/// the source, and the exit status says the target is not a copy.
#[test]
fn a_target_that_dies_fails_the_migration_and_never_passes_for_a_copy() {
    let qemu_nbd = tool("qemu-nbd", "qemu-utils");
    let dir = Scratch::new("deadtarget");
    let (src, dst) = (dir.path("src.img"), dir.path("dst.img"));
    image(&src, 8, 23);
    std::fs::write(&dst, vec![0u8; 8 << 20]).unwrap();
    let (mut target, port) = qemu_nbd_target(qemu_nbd, &dst);
    let s = start(
        &src,
        &format!("nbd://127.0.0.1:{port}"),
        &[
            "--copy-rate",
            "1MiB",
            "--granule",
            "16KiB",
            "--chunk",
            "16KiB",
        ],
    );
    s.wait_line("exporting", 10);
    let _ = target.kill();
    let _ = target.wait();
    s.wait_line("migration FAILED", 60);
    // The source is still served.
    fio(&s.uri, "randwrite", "4", "8");
    let out = s.stop(60);
    assert!(!out.status.success(), "a dead target must not end well");
    assert!(
        text(&out.stderr).contains("failed"),
        "{}",
        text(&out.stderr)
    );
}

/// Speaks raw NBD: the handshake up to transmission with NBD_OPT_GO.
fn raw_client(port: u16) -> TcpStream {
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let mut hello = [0u8; 18];
    s.read_exact(&mut hello).unwrap();
    assert_eq!(&hello[..8], b"NBDMAGIC");
    s.write_all(&3u32.to_be_bytes()).unwrap(); // fixed newstyle, no zeroes
    let go = [0u8, 0, 0, 0, 0, 0]; // empty name, no info requests
    send_option(&mut s, 7, &go);
    loop {
        let (kind, _) = option_reply(&mut s);
        if kind == 1 {
            return s;
        }
        assert_eq!(kind, 3, "INFO replies, then ACK");
    }
}

fn send_option(s: &mut TcpStream, option: u32, data: &[u8]) {
    let mut b = b"IHAVEOPT".to_vec();
    b.extend_from_slice(&option.to_be_bytes());
    b.extend_from_slice(&(data.len() as u32).to_be_bytes());
    b.extend_from_slice(data);
    s.write_all(&b).unwrap();
}

fn option_reply(s: &mut TcpStream) -> (u32, Vec<u8>) {
    let mut h = [0u8; 20];
    s.read_exact(&mut h).unwrap();
    let kind = u32::from_be_bytes(h[12..16].try_into().unwrap());
    let len = u32::from_be_bytes(h[16..20].try_into().unwrap());
    let mut data = vec![0u8; len as usize];
    s.read_exact(&mut data).unwrap();
    (kind, data)
}

fn request(s: &mut TcpStream, kind: u16, handle: u64, offset: u64, length: u32, data: &[u8]) {
    let mut b = 0x2560_9513u32.to_be_bytes().to_vec();
    b.extend_from_slice(&0u16.to_be_bytes());
    b.extend_from_slice(&kind.to_be_bytes());
    b.extend_from_slice(&handle.to_be_bytes());
    b.extend_from_slice(&offset.to_be_bytes());
    b.extend_from_slice(&length.to_be_bytes());
    b.extend_from_slice(data);
    s.write_all(&b).unwrap();
}

/// The error of the simple reply to `handle`.
fn reply_error(s: &mut TcpStream, handle: u64) -> u32 {
    let mut r = [0u8; 16];
    s.read_exact(&mut r).unwrap();
    assert_eq!(r[..4], 0x6744_6698u32.to_be_bytes());
    assert_eq!(u64::from_be_bytes(r[8..16].try_into().unwrap()), handle);
    u32::from_be_bytes(r[4..8].try_into().unwrap())
}

fn closed(s: &mut TcpStream) -> bool {
    let mut b = [0u8; 1];
    matches!(s.read(&mut b), Ok(0) | Err(_))
}

#[test]
fn hostile_clients_get_protocol_errors_and_lose_nothing() {
    let dir = Scratch::new("hostile");
    let (src, dst) = (dir.path("src.img"), dir.path("dst.img"));
    image(&src, 4, 11);
    let before = std::fs::read(&src).unwrap();
    let s = start(&src, dst.to_str().unwrap(), &[]);

    // Unknown client flags: closed during the handshake.
    let mut c = TcpStream::connect(("127.0.0.1", s.port)).unwrap();
    c.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let mut hello = [0u8; 18];
    c.read_exact(&mut hello).unwrap();
    c.write_all(&0x80u32.to_be_bytes()).unwrap();
    assert!(closed(&mut c), "bad client flags close the connection");

    // Unknown option: NBD_REP_ERR_UNSUP, and the handshake goes on; an unknown export
    // through GO: NBD_REP_ERR_UNKNOWN; a malformed GO: NBD_REP_ERR_INVALID.
    let mut c = TcpStream::connect(("127.0.0.1", s.port)).unwrap();
    c.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    c.read_exact(&mut hello).unwrap();
    c.write_all(&3u32.to_be_bytes()).unwrap();
    send_option(&mut c, 42, b"xyz");
    assert_eq!(option_reply(&mut c).0, (1 << 31) | 1);
    send_option(&mut c, 7, &[0, 0, 0, 3, b'n', b'o', b'!', 0, 0]);
    assert_eq!(option_reply(&mut c).0, (1 << 31) | 6);
    send_option(&mut c, 7, &[0, 0, 0, 9, b'x']);
    assert_eq!(option_reply(&mut c).0, (1 << 31) | 3);
    send_option(&mut c, 2, &[]); // abort
    assert_eq!(option_reply(&mut c).0, 1);

    // Transmission: beyond the export, too long, unknown command.
    let mut c = raw_client(s.port);
    let size = 4u64 << 20;
    request(&mut c, 0, 1, size - 512, 1024, &[]);
    assert_eq!(reply_error(&mut c, 1), 22, "read past the end: EINVAL");
    request(&mut c, 1, 2, size, 512, &[0xAB; 512]);
    assert_eq!(reply_error(&mut c, 2), 28, "write past the end: ENOSPC");
    request(&mut c, 0, 3, 0, (32 << 20) + 1, &[]);
    assert_eq!(reply_error(&mut c, 3), 22, "read over 32 MiB: EINVAL");
    request(&mut c, 9, 4, 0, 0, &[]);
    assert_eq!(reply_error(&mut c, 4), 22, "unknown command: EINVAL");
    request(&mut c, 1, 5, 0, 512, &[0x11; 512]);
    assert_eq!(reply_error(&mut c, 5), 0, "a good write still works");
    request(&mut c, 1, 6, 0, (32 << 20) + 1, &[]);
    assert!(closed(&mut c), "a write over 32 MiB closes the connection");

    // A write cut off mid-payload was never acknowledged and is not applied.
    let mut c = raw_client(s.port);
    request(&mut c, 1, 7, 8192, 4096, &[0x77; 1000]);
    drop(c);
    // A bad request magic closes.
    let mut c = raw_client(s.port);
    c.write_all(&[0u8; 28]).unwrap();
    assert!(closed(&mut c));

    let out = s.signal("-TERM", 60); // SIGTERM ends it as SIGINT does
    assert_migrated(&out, &src, &dst);
    let after = std::fs::read(&src).unwrap();
    assert_eq!(
        &after[..512],
        &[0x11; 512],
        "the acknowledged write is there"
    );
    assert_eq!(after[512..], before[512..], "nothing else changed");
}

/// LIST, INFO and the old EXPORT_NAME path all work, and both ways reach transmission.
#[test]
fn list_info_and_export_name_reach_transmission() {
    let dir = Scratch::new("options");
    let (src, dst) = (dir.path("src.img"), dir.path("dst.img"));
    image(&src, 2, 31);
    let s = start(&src, dst.to_str().unwrap(), &["--export-name", "disk"]);
    let hello = |c: &mut TcpStream, flags: u32| {
        c.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        let mut h = [0u8; 18];
        c.read_exact(&mut h).unwrap();
        assert_eq!(&h[8..16], b"IHAVEOPT");
        assert_eq!(
            u16::from_be_bytes([h[16], h[17]]),
            3,
            "fixed newstyle, no zeroes"
        );
        c.write_all(&flags.to_be_bytes()).unwrap();
    };
    let mut c = TcpStream::connect(("127.0.0.1", s.port)).unwrap();
    hello(&mut c, 1);
    send_option(&mut c, 3, &[]); // LIST
    let (kind, data) = option_reply(&mut c);
    assert_eq!(kind, 2, "NBD_REP_SERVER");
    assert_eq!(&data[4..], b"disk");
    assert_eq!(option_reply(&mut c).0, 1);
    let info = [0, 0, 0, 4, b'd', b'i', b's', b'k', 0, 0];
    send_option(&mut c, 6, &info); // INFO: export and block size, then ACK
    let (kind, data) = option_reply(&mut c);
    assert_eq!(kind, 3);
    assert_eq!(u64::from_be_bytes(data[2..10].try_into().unwrap()), 2 << 20);
    assert_eq!(option_reply(&mut c).0, 3);
    assert_eq!(option_reply(&mut c).0, 1);
    // EXPORT_NAME without NO_ZEROES: size, flags and 124 zero bytes, then transmission.
    send_option(&mut c, 1, b"disk");
    let mut reply = [0u8; 10 + 124];
    c.read_exact(&mut reply).unwrap();
    assert_eq!(u64::from_be_bytes(reply[..8].try_into().unwrap()), 2 << 20);
    assert!(reply[10..].iter().all(|&b| b == 0));
    request(&mut c, 1, 1, 4096, 512, &[0x42; 512]);
    assert_eq!(reply_error(&mut c, 1), 0);
    request(&mut c, 3, 2, 0, 0, &[]); // FLUSH
    assert_eq!(reply_error(&mut c, 2), 0);
    request(&mut c, 2, 3, 0, 0, &[]); // DISC
    assert!(closed(&mut c));
    let out = s.stop(60);
    assert_migrated(&out, &src, &dst);
    assert_eq!(&std::fs::read(&src).unwrap()[4096..4608], &[0x42; 512]);
}

#[test]
fn a_remote_listen_address_is_refused_without_allow_remote() {
    let out = cli_support::lmsnoop(&[
        "serve",
        "--source",
        "/nonexistent",
        "--target",
        "/tmp/x",
        "--listen",
        "0.0.0.0:10999",
    ]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("--allow-remote"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn an_existing_target_is_never_overwritten() {
    let dir = Scratch::new("exists");
    let (src, dst) = (dir.path("src.img"), dir.path("dst.img"));
    image(&src, 1, 1);
    std::fs::write(&dst, b"precious").unwrap();
    let out = cli_support::lmsnoop(&[
        "serve",
        "--source",
        src.to_str().unwrap(),
        "--target",
        dst.to_str().unwrap(),
        "--listen",
        &format!("127.0.0.1:{}", free_port()),
    ]);
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("will not overwrite"),
        "{}",
        text(&out.stderr)
    );
    assert_eq!(std::fs::read(&dst).unwrap(), b"precious");
}

/// The same firmware over the Verilated RTL: a bounded run under fio.
#[cfg(feature = "rtl")]
#[test]
fn the_rtl_backend_migrates_under_fio() {
    let dir = Scratch::new("rtl");
    let (src, dst) = (dir.path("src.img"), dir.path("dst.img"));
    image(&src, 8, 21);
    let s = start(
        &src,
        dst.to_str().unwrap(),
        &[
            "--backend",
            "rtl",
            "--copy-rate",
            "4MiB",
            "--granule",
            "16KiB",
        ],
    );
    fio(&s.uri, "randwrite", "16", "5");
    let report = assert_migrated(&s.stop(120), &src, &dst);
    assert!(report.contains("backend rtl"), "{report}");
}

/// The side-by-side benchmark runs and prints its table (figures only; no speed asserted).
#[test]
fn serve_bench_prints_both_servers_and_the_ratio() {
    tool("fio", "fio");
    tool("nbdkit", "nbdkit");
    let out = cli_support::lmsnoop(&[
        "serve-bench",
        "--size",
        "16MiB",
        "--seconds",
        "1",
        "--rounds",
        "1",
        "--depths",
        "4",
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let table = text(&out.stdout);
    assert!(
        table.contains("nbdkit file") && table.contains("ratio"),
        "{table}"
    );
    let row = table.lines().last().unwrap();
    let cells: Vec<f64> = row
        .split_whitespace()
        .filter_map(|c| c.parse().ok())
        .collect();
    assert_eq!(cells.len(), 4, "qd, two IOPS figures and the ratio: {row}");
    assert!(cells[1] > 0.0 && cells[2] > 0.0, "{row}");
}
