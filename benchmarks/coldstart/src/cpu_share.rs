//! A function process held to the CPU share Lambda gives its memory size.
//!
//! Lambda gives a function CPU in proportion to its memory: 1,769 MB is one
//! vCPU, so 128 MB is about 7.2 % of a core. Here each cold start gets a
//! fresh cgroup (v1 `cpu` and `cpuacct` hierarchies, as this machine mounts
//! them) with a CFS quota of that fraction of one core per period, and the
//! process joins both cgroups between `fork` and `exec`, so that nothing it
//! runs is outside them, and is timed from the moment it may exec.
//! `cpuacct.usage` then counts, in nanoseconds, all the CPU the process and
//! its threads spent, exited threads included.
//!
//! The period is a choice: Lambda doesn't publish its own. The default is
//! the kernel's, 100 ms, which is how the figures the cold-start issue
//! quotes were taken: a process whose whole cold start needs less CPU than
//! one period's quota (7.2 ms at 128 MB) runs it at full speed, and one that
//! needs more stalls until the next period. A shorter period spreads the
//! same CPU evenly instead (`COLDSTART_PERIOD_US=20000`).

use std::fs::{File, OpenOptions};
use std::io::{PipeReader, PipeWriter, Read, Write};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// The memory size at which Lambda gives a function one full vCPU.
pub const ONE_VCPU_MB: u32 = 1_769;

/// The CFS period used unless `COLDSTART_PERIOD_US` says otherwise.
pub const PERIOD: Duration = Duration::from_millis(100);

const CPU_ROOT: &str = "/sys/fs/cgroup/cpu";
const CPUACCT_ROOT: &str = "/sys/fs/cgroup/cpuacct";

/// The share of one core a memory size buys, and the period it is
/// enforced over.
#[derive(Debug, Clone, Copy)]
pub struct CpuShare {
    /// The function's memory size in MB.
    pub memory_mb: u32,
    period: Duration,
}

impl CpuShare {
    /// The share of `memory_mb`, over `COLDSTART_PERIOD_US` or `PERIOD`.
    pub fn of(memory_mb: u32) -> CpuShare {
        let period = std::env::var("COLDSTART_PERIOD_US")
            .ok()
            .and_then(|text| text.parse().ok())
            .map_or(PERIOD, Duration::from_micros);
        CpuShare { memory_mb, period }
    }

    /// The fraction of one core, capped at one: at 1,769 MB a function has
    /// one vCPU, whatever number of threads it runs.
    pub fn fraction(&self) -> f64 {
        (f64::from(self.memory_mb) / f64::from(ONE_VCPU_MB)).min(1.0)
    }

    /// The enforcement period.
    pub fn period(&self) -> Duration {
        self.period
    }

    /// The CPU time allowed per period.
    fn quota(&self) -> Duration {
        self.period.mul_f64(self.fraction())
    }
}

/// One process's pair of cgroups: made with the quota set, removed on drop
/// (after the process has ended).
pub struct Confinement {
    cpu: PathBuf,
    cpuacct: PathBuf,
}

impl Confinement {
    /// Fresh cgroups under this machine's `cpu` and `cpuacct` hierarchies.
    /// Needs root, as the lab's other parts do not; the error says so.
    pub fn new(share: CpuShare) -> std::io::Result<Confinement> {
        static NEXT: AtomicU64 = AtomicU64::new(0);
        let name = format!(
            "coldstart-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        );
        let confinement = Confinement {
            cpu: Path::new(CPU_ROOT).join(&name),
            cpuacct: Path::new(CPUACCT_ROOT).join(&name),
        };
        for dir in [&confinement.cpu, &confinement.cpuacct] {
            std::fs::create_dir(dir).map_err(|error| {
                std::io::Error::new(
                    error.kind(),
                    format!(
                        "{}: {error} (the CPU-share mode needs cgroup v1 cpu and cpuacct, as root)",
                        dir.display()
                    ),
                )
            })?;
        }
        std::fs::write(
            confinement.cpu.join("cpu.cfs_period_us"),
            share.period().as_micros().to_string(),
        )?;
        // The kernel's smallest quota is 1 ms; a share that would need less
        // is refused rather than quietly made larger.
        if share.quota() < Duration::from_millis(1) {
            return Err(std::io::Error::other(format!(
                "a {} ms period gives {} MB less than the kernel's 1 ms quota; lengthen COLDSTART_PERIOD_US",
                share.period().as_millis(),
                share.memory_mb
            )));
        }
        std::fs::write(
            confinement.cpu.join("cpu.cfs_quota_us"),
            share.quota().as_micros().to_string(),
        )?;
        Ok(confinement)
    }

    /// Starts `command` inside both cgroups, and says when it was let go
    /// to exec. Joining a v1 cgroup waits for an RCU grace period (10–15
    /// ms here), which is the lab's cost, not the function's: the child
    /// joins, says so on one pipe, and waits on another until the parent has
    /// read the clock, so that the time returned is the function's start.
    pub fn spawn(&self, mut command: Command) -> std::io::Result<(Child, Instant)> {
        let open = |dir: &Path| OpenOptions::new().write(true).open(dir.join("cgroup.procs"));
        let (cpu, cpuacct): (File, File) = (open(&self.cpu)?, open(&self.cpuacct)?);
        let (joined_reader, joined_writer) = std::io::pipe()?;
        let (go_reader, go_writer) = std::io::pipe()?;
        join_before_exec(&mut command, [cpu, cpuacct], joined_writer, go_reader);
        let release = std::thread::spawn(move || -> std::io::Result<Instant> {
            (&joined_reader).read_exact(&mut [0])?;
            let started = Instant::now();
            (&go_writer).write_all(b"g")?;
            Ok(started)
        });
        let spawned = command.spawn();
        // The parent's ends of the child's pipes go with the command, so
        // that a child that never ran ends the thread's read.
        drop(command);
        let started = release
            .join()
            .map_err(|_| std::io::Error::other("the release thread panicked"))?;
        Ok((spawned?, started?))
    }

    /// All the CPU the confined process has spent so far.
    pub fn cpu_used(&self) -> Duration {
        let nanos = std::fs::read_to_string(self.cpuacct.join("cpuacct.usage"))
            .ok()
            .and_then(|text| text.trim().parse().ok())
            .unwrap_or(0);
        Duration::from_nanos(nanos)
    }
}

/// Makes the child write "0" to each `cgroup.procs` file (which in cgroup
/// v1 moves the writer), say so on `joined`, and wait for a byte on `go`
/// before it execs the function.
#[allow(unsafe_code)]
fn join_before_exec(command: &mut Command, cgroups: [File; 2], joined: PipeWriter, go: PipeReader) {
    // SAFETY: between fork and exec the closure only calls write(2) and
    // read(2) on descriptors opened before the fork, with a buffer on the
    // stack; it allocates nothing and takes no lock, which is what
    // `pre_exec` asks of it.
    unsafe {
        command.pre_exec(move || {
            for cgroup in &cgroups {
                (&*cgroup).write_all(b"0")?;
            }
            (&joined).write_all(b"j")?;
            (&go).read_exact(&mut [0])?;
            Ok(())
        });
    }
}

impl Drop for Confinement {
    fn drop(&mut self) {
        for dir in [&self.cpu, &self.cpuacct] {
            // Best effort: a cgroup whose process is still exiting can't go
            // yet, and a leftover empty cgroup harms nothing.
            for _ in 0..50 {
                if std::fs::remove_dir(dir).is_ok() {
                    break;
                }
                std::thread::sleep(Duration::from_millis(10));
            }
        }
    }
}
