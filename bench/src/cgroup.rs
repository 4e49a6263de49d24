//! A Lambda MemorySize on this machine, through cgroup v1: the CPU share Lambda gives it (MemorySize/1769 of one
//! vCPU, as `cpu.cfs_quota_us` over a 100 ms `cpu.cfs_period_us`) and its memory as `memory.limit_in_bytes`.
//!
//! Each process life gets groups of its own, made for it and removed after it: nothing else ever ran in them, so
//! neither another process's use of the period's quota nor the page cache an earlier process brought in is counted
//! against it, and a new group starts with its full quota as a new sandbox does.
//!
//! The groups are made below the driver's own group of each controller (`/proc/self/cgroup`), not beside it: the
//! limits the machine already puts on the driver then still hold for the function, and nothing is moved out of
//! whatever accounts for this session. They are removed when the [`Cgroup`] is dropped.

use std::fs::{self, File, OpenOptions};
use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};

const ROOT: &str = "/sys/fs/cgroup";
/// Lambda's CFS period; the quota is this times MemorySize/1769.
const PERIOD_US: u64 = 100_000;
/// The MemorySize that has one whole vCPU (docs/performance.md cites the AWS documentation).
const ONE_VCPU_MB: u64 = 1_769;

/// Groups made so far by this driver: each gets a name of its own.
static MADE: AtomicUsize = AtomicUsize::new(0);

/// A pair of groups (cpu, memory) made for one function process.
pub struct Cgroup {
    pub memory_mb: u64,
    cpu: PathBuf,
    memory: PathBuf,
}

impl Cgroup {
    /// Makes the groups of `memory_mb`; the error says why Lambda mode cannot run here (printed as the reason for
    /// skipping it).
    pub fn create(memory_mb: u64) -> Result<Self, String> {
        let name = format!("score-fanout-bench-{}-{}-{memory_mb}mb", std::process::id(), MADE.fetch_add(1, Relaxed));
        let cpu = own_group("cpu")?.join(&name);
        let memory = own_group("memory")?.join(&name);
        for dir in [&cpu, &memory] {
            fs::create_dir(dir).map_err(|e| format!("cannot create {}: {e} (not root?)", dir.display()))?;
        }
        let group = Self { memory_mb, cpu, memory };
        let limit = (memory_mb << 20).to_string();
        group.write(&group.cpu, "cpu.cfs_period_us", &PERIOD_US.to_string())?;
        group.write(&group.cpu, "cpu.cfs_quota_us", &group.quota_us().to_string())?;
        group.write(&group.memory, "memory.limit_in_bytes", &limit)?;
        // With swap the limit above covers RAM only; a function must not escape it by swapping (this machine
        // has no swap, and without swap accounting the file is missing: both are fine).
        if group.memory.join("memory.memsw.limit_in_bytes").exists() {
            let _ = group.write(&group.memory, "memory.memsw.limit_in_bytes", &limit);
        }
        Ok(group)
    }

    /// The CFS quota: MemorySize/1769 of one CPU per period.
    pub fn quota_us(&self) -> u64 {
        quota_us(self.memory_mb)
    }

    /// The groups' `cgroup.procs`, opened for writing before a child is forked: the child writes "0" (itself) into
    /// both between fork and exec, so that not one instruction of the function runs outside its limits.
    pub fn procs_files(&self) -> io::Result<[File; 2]> {
        let open = |dir: &Path| OpenOptions::new().write(true).open(dir.join("cgroup.procs"));
        Ok([open(&self.cpu)?, open(&self.memory)?])
    }

    /// The processes in either group now, by pid (the driver checks that its function is alone in them).
    pub fn members(&self) -> Vec<u32> {
        let mut pids: Vec<u32> = [&self.cpu, &self.memory]
            .iter()
            .flat_map(|dir| {
                fs::read_to_string(dir.join("cgroup.procs"))
                    .unwrap_or_default()
                    .lines()
                    .map(str::to_owned)
                    .collect::<Vec<_>>()
            })
            .filter_map(|pid| pid.trim().parse().ok())
            .collect();
        pids.sort_unstable();
        pids.dedup();
        pids
    }

    /// Out-of-memory kills in the memory group so far (`oom_kill` of `memory.oom_control`).
    pub fn oom_kills(&self) -> u64 {
        let control = fs::read_to_string(self.memory.join("memory.oom_control")).unwrap_or_default();
        control.lines().find_map(|line| line.strip_prefix("oom_kill ")).and_then(|n| n.trim().parse().ok()).unwrap_or(0)
    }

    /// How long the CFS bandwidth control has held the group's processes back so far (`throttled_time` of
    /// `cpu.stat`): the wait for the next period's quota, which Lambda bills as duration.
    pub fn throttled(&self) -> std::time::Duration {
        let stat = fs::read_to_string(self.cpu.join("cpu.stat")).unwrap_or_default();
        let nanos =
            stat.lines().find_map(|line| line.strip_prefix("throttled_time ")).and_then(|n| n.trim().parse().ok());
        std::time::Duration::from_nanos(nanos.unwrap_or(0))
    }

    fn write(&self, dir: &Path, file: &str, value: &str) -> Result<(), String> {
        fs::write(dir.join(file), value).map_err(|e| format!("cannot write {value} to {}/{file}: {e}", dir.display()))
    }
}

impl Drop for Cgroup {
    fn drop(&mut self) {
        // A group can be removed once it holds no process; the driver has stopped (and reaped) its functions by now.
        for dir in [&self.cpu, &self.memory] {
            let _ = fs::remove_dir(dir);
        }
    }
}

/// The CFS quota of `memory_mb`: MemorySize/1769 of one CPU per period.
pub fn quota_us(memory_mb: u64) -> u64 {
    PERIOD_US * memory_mb / ONE_VCPU_MB
}

/// The CPU share of `memory_mb`, in percent of one core.
pub fn cpu_percent(memory_mb: u64) -> f64 {
    100.0 * quota_us(memory_mb) as f64 / PERIOD_US as f64
}

/// Where the driver's own group of `controller` is, given that the v1 hierarchy is mounted at /sys/fs/cgroup.
fn own_group(controller: &str) -> Result<PathBuf, String> {
    let mount = Path::new(ROOT).join(controller);
    if !mount.join("cgroup.procs").exists() {
        return Err(format!("no cgroup v1 `{controller}` controller at {}", mount.display()));
    }
    let own = fs::read_to_string("/proc/self/cgroup").map_err(|e| format!("/proc/self/cgroup: {e}"))?;
    // Lines are `id:controllers:path`; a controller may share a line with others (`cpu,cpuacct`).
    let path = own
        .lines()
        .filter_map(|line| line.split_once(':').and_then(|(_, rest)| rest.split_once(':')))
        .find(|(controllers, _)| controllers.split(',').any(|c| c == controller))
        .map(|(_, path)| path.trim_start_matches('/'))
        .ok_or_else(|| format!("this process is in no `{controller}` cgroup"))?;
    let group = mount.join(path);
    let probe = group.join("cgroup.procs");
    match OpenOptions::new().write(true).open(&probe) {
        Ok(_) => Ok(group),
        Err(e) => Err(format!("{} is not writable: {e} (Lambda mode needs root)", probe.display())),
    }
}
