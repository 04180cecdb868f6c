//! Progress events (IMAPI2 DDiscFormat2DataEvents::Update with
//! IDiscFormat2DataEventArgs / IWriteEngine2EventArgs, imapi2.md §6) and the injected
//! [`Clock`] that times them.

use std::time::{Duration, Instant};

use crate::state::WriteAction;

/// A monotonic clock. The writer reads time only through this trait, so tests inject a
/// deterministic one ([`ManualClock`]); [`SystemClock`] is the default.
pub trait Clock: Send + Sync {
    /// Time elapsed since an arbitrary fixed origin.
    fn now(&self) -> Duration;
}

/// The default clock: [`Instant`] elapsed since the clock was made.
#[derive(Debug, Clone, Copy)]
pub struct SystemClock {
    origin: Instant,
}

impl SystemClock {
    /// A clock whose origin is now.
    pub fn new() -> SystemClock {
        SystemClock {
            origin: Instant::now(),
        }
    }
}

impl Default for SystemClock {
    fn default() -> Self {
        SystemClock::new()
    }
}

impl Clock for SystemClock {
    fn now(&self) -> Duration {
        self.origin.elapsed()
    }
}

/// A deterministic clock for tests: every call to [`Clock::now`] returns the current
/// value and then advances it by `step`.
#[derive(Debug)]
pub struct ManualClock {
    now: std::sync::Mutex<Duration>,
    step: Duration,
}

impl ManualClock {
    /// A clock starting at 0 that advances by `step` per reading.
    pub fn new(step: Duration) -> ManualClock {
        ManualClock {
            now: std::sync::Mutex::new(Duration::ZERO),
            step,
        }
    }
}

impl Clock for ManualClock {
    fn now(&self) -> Duration {
        let mut n = self.now.lock().unwrap_or_else(|p| p.into_inner());
        let v = *n;
        *n += self.step;
        v
    }
}

/// The arguments of one progress event (IDiscFormat2DataEventArgs, which extends
/// IWriteEngine2EventArgs). LBAs are absolute 2048-byte-sector addresses; times are
/// whole seconds; buffer sizes are bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DiscFormat2DataEventArgs {
    /// CurrentAction: the phase.
    pub current_action: WriteAction,
    /// StartLba: first LBA of the current write operation (the session, or the block
    /// range being written on overwritable media).
    pub start_lba: i32,
    /// SectorCount: sectors of the current write operation (CD: post-gap included).
    pub sector_count: i32,
    /// LastReadLba: last LBA whose data was read from the stream (`start_lba − 1`
    /// before the first read).
    pub last_read_lba: i32,
    /// LastWrittenLba: last LBA written to the device (`start_lba − 1` before the
    /// first write).
    pub last_written_lba: i32,
    /// ElapsedTime: seconds since the write started.
    pub elapsed_time: i32,
    /// RemainingTime: estimated seconds left.
    pub remaining_time: i32,
    /// TotalTime: estimated total seconds (elapsed + remaining).
    pub total_time: i32,
    /// TotalSystemBuffer: bytes of the writer's buffer.
    pub total_system_buffer: i32,
    /// UsedSystemBuffer: bytes read from the stream and not yet written.
    pub used_system_buffer: i32,
    /// FreeSystemBuffer: TotalSystemBuffer − UsedSystemBuffer (E-02).
    pub free_system_buffer: i32,
}
