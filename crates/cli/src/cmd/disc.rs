//! `discburn disc ...`: emulated discs (files that the emulated recorder burns like real
//! media; see the `discburn-emu` crate for the file layout).

use std::path::PathBuf;

use anyhow::Context;
use discburn::emu::{
    CommandMatch, DiscOptions, EmulatedDrive, FailAfter, FaultPlan, MediaType, SenseFault,
    create_disc_with, disc_faults, disc_report, set_disc_faults,
};
use discburn::mmc::Transport;

/// Subcommands of `discburn disc`.
#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Create a blank emulated disc: PATH (sparse raw image) and PATH.state.json.
    /// Refuses to overwrite an existing file.
    Create {
        /// The disc image to create.
        path: PathBuf,
        /// Media type: cd-r cd-rw dvd-r dvd-rw dvd+r dvd+r-dl dvd+rw dvd-ram bd-r bd-re,
        /// or bd-r-pow (a blank BD-R formatted for Pseudo-Overwrite, SRM+POW).
        #[arg(long)]
        media: MediaChoice,
        /// Capacity in 2048-byte sectors (default: the real medium's, e.g. 359847 for an
        /// 80-minute CD-R, 2295104 for DVD+R, 12219392 for BD-R).
        #[arg(long, value_name = "SECTORS")]
        capacity: Option<u32>,
        /// DVD+RW / BD-RE: start formatted (fresh media are unformatted).
        #[arg(long)]
        formatted: bool,
        /// The medium is write-protected.
        #[arg(long)]
        write_protected: bool,
    },
    /// Show the stored state of an emulated disc (recovering it first if its last user
    /// crashed).
    Info {
        /// The disc image.
        path: PathBuf,
        /// Print the state file as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Testing aid: store faults with the disc that every later user (any process)
    /// honours. Without options, prints the stored faults.
    Inject {
        /// The disc image.
        path: PathBuf,
        /// Lose power after N sectors written (fires once).
        #[arg(long, value_name = "N")]
        power_cut_after_sectors: Option<u64>,
        /// Lose power when the NTH command with this opcode arrives (fires once),
        /// e.g. `5B@2`.
        #[arg(long, value_name = "OPCODE[@NTH]")]
        power_cut_at: Option<CommandMatch>,
        /// Fail the WRITE that crosses N written sectors (default sense 3/0C/00).
        #[arg(long, value_name = "N[:KEY/ASC/ASCQ]")]
        fail_after_sectors: Option<FailAfter>,
        /// Return this sense for this opcode (hex), every time or only the NTH time,
        /// e.g. `2A:5/21/02@3`. Repeatable.
        #[arg(long, value_name = "OPCODE:KEY/ASC/ASCQ[@NTH]")]
        sense: Vec<SenseFault>,
        /// After CLOSE TRACK/SESSION or SYNCHRONIZE CACHE with Immed, answer K commands
        /// with 2/04/08 LONG WRITE IN PROGRESS.
        #[arg(long, value_name = "K")]
        busy_after_close: Option<u32>,
        /// Remove all stored faults first.
        #[arg(long)]
        clear: bool,
    },
    /// Serve an emulated disc as a real SCSI CD/DVD/BD device of this Linux kernel
    /// (/dev/srN) through its SCSI target: target_core_user + tcm_loop. Every command
    /// (from the kernel's cdrom layer, mount, xorriso, K3b, discburn --drive /dev/srN)
    /// is answered by the emulated recorder, and the disc's state is kept exactly as
    /// when discburn writes it. Needs root, configfs at /sys/kernel/config and the
    /// modules target_core_user, tcm_loop, uio and sr_mod. Serves until SIGINT or
    /// SIGTERM, then removes its configfs objects.
    Serve {
        /// The emulated disc.
        #[arg(required_unless_present = "relay")]
        path: Option<PathBuf>,
        /// Instead of opening a disc, forward every command over this character device
        /// or socket to `discburn disc relay` at its other end (e.g. a virtio-serial
        /// port of a VM whose host holds the disc).
        #[arg(long, value_name = "PATH", conflicts_with = "path")]
        relay: Option<PathBuf>,
        /// Print every command to stderr: CDB, data length, status and sense key/ASC/ASCQ.
        #[arg(long)]
        trace: bool,
    },
    /// The other end of `disc serve --relay`: listen on a Unix socket, accept one
    /// connection and answer the commands arriving on it with the emulated disc until
    /// the connection ends.
    Relay {
        /// The emulated disc.
        path: PathBuf,
        /// Unix socket to create and listen on.
        #[arg(long, value_name = "PATH")]
        socket: PathBuf,
        /// Print every command to stderr: CDB, data length, status and sense key/ASC/ASCQ.
        #[arg(long)]
        trace: bool,
    },
}

/// A `--media` value: a media type, or `bd-r-pow` (BD-R formatted SRM+POW).
#[derive(Debug, Clone, Copy)]
pub struct MediaChoice {
    media: MediaType,
    pow: bool,
}

impl std::str::FromStr for MediaChoice {
    type Err = discburn::emu::EmuError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if s.eq_ignore_ascii_case("bd-r-pow") {
            return Ok(MediaChoice {
                media: MediaType::BdR,
                pow: true,
            });
        }
        Ok(MediaChoice {
            media: s.parse()?,
            pow: false,
        })
    }
}

/// Runs `discburn disc ...`.
pub fn run(cmd: Command) -> anyhow::Result<()> {
    match cmd {
        Command::Create {
            path,
            media,
            capacity,
            formatted,
            write_protected,
        } => {
            let MediaChoice { media, pow } = media;
            let mut opts = DiscOptions::new(media);
            opts.pow = pow;
            opts.capacity_sectors = capacity;
            opts.formatted = formatted;
            opts.write_protected = write_protected;
            create_disc_with(&path, &opts)
                .with_context(|| format!("cannot create emulated disc {}", path.display()))?;
            println!(
                "created {}: blank {media}{}, {} sectors",
                path.display(),
                if pow {
                    " formatted for pseudo-overwrite (SRM+POW)"
                } else {
                    ""
                },
                capacity.unwrap_or(media.default_capacity_sectors())
            );
            Ok(())
        }
        Command::Info { path, json } => {
            let report = disc_report(&path)?;
            if json {
                println!("{}", report.json());
            } else {
                print!("{report}");
            }
            Ok(())
        }
        Command::Inject {
            path,
            power_cut_after_sectors,
            power_cut_at,
            fail_after_sectors,
            sense,
            busy_after_close,
            clear,
        } => {
            let mut plan = if clear {
                FaultPlan::default()
            } else {
                disc_faults(&path)?
            };
            let changes = clear
                || power_cut_after_sectors.is_some()
                || power_cut_at.is_some()
                || fail_after_sectors.is_some()
                || !sense.is_empty()
                || busy_after_close.is_some();
            if power_cut_after_sectors.is_some() {
                plan.power_cut_after_sectors = power_cut_after_sectors;
            }
            if power_cut_at.is_some() {
                plan.power_cut_at_command = power_cut_at;
            }
            if fail_after_sectors.is_some() {
                plan.fail_after_sectors = fail_after_sectors;
            }
            plan.sense.extend(sense);
            if busy_after_close.is_some() {
                plan.busy_after_close = busy_after_close;
            }
            if changes {
                set_disc_faults(&path, plan.clone())?;
            }
            println!("{}: {plan}", path.display());
            Ok(())
        }
        Command::Serve { path, relay, trace } => serve(path, relay, trace),
        Command::Relay {
            path,
            socket,
            trace,
        } => relay(&path, &socket, trace),
    }
}

/// `disc serve`: the TCMU ring handler in front of the disc (or of a relay to it).
fn serve(path: Option<PathBuf>, relay: Option<PathBuf>, trace: bool) -> anyhow::Result<()> {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};

    discburn_tcmu::check_environment(std::path::Path::new("/sys"))?;
    let stop = Arc::new(AtomicBool::new(false));
    {
        let stop = stop.clone();
        ctrlc::set_handler(move || stop.store(true, Ordering::SeqCst))
            .context("cannot install the SIGINT/SIGTERM handler")?;
    }
    let opts = discburn_tcmu::ServeOptions::for_id(std::process::id());
    let (what, mut transport): (String, Box<dyn Transport + Send>) = match (path, relay) {
        (Some(p), _) => {
            let drive = EmulatedDrive::open(&p)
                .with_context(|| format!("cannot open emulated disc {}", p.display()))?;
            (p.display().to_string(), Box::new(drive))
        }
        (None, Some(r)) => {
            let f = std::fs::OpenOptions::new()
                .read(true)
                .write(true)
                .open(&r)
                .with_context(|| format!("cannot open relay {}", r.display()))?;
            let name = format!("relay {}", r.display());
            (
                name.clone(),
                Box::new(discburn_tcmu::RelayClient::new(f, name)),
            )
        }
        (None, None) => anyhow::bail!("disc serve needs a DISC or --relay PATH"),
    };
    if trace {
        transport = Box::new(Trace(transport));
    }
    let report = discburn_tcmu::serve(&mut *transport, &opts, &stop, |dev| match dev {
        Some(d) => eprintln!("discburn: serving {what} as {}", d.display()),
        None => eprintln!(
            "discburn: serving {what}; the kernel made no block device for it (is sr_mod loaded?)"
        ),
    })?;
    for f in &report.failures {
        eprintln!("discburn: answered with CHECK CONDITION 4/44/00: {f}");
    }
    eprintln!("discburn: stopped after {} commands", report.entries);
    drop(transport);
    Ok(())
}

/// `disc relay`: answer `disc serve --relay` from the emulated disc.
fn relay(path: &std::path::Path, socket: &std::path::Path, trace: bool) -> anyhow::Result<()> {
    let drive = EmulatedDrive::open(path)
        .with_context(|| format!("cannot open emulated disc {}", path.display()))?;
    let mut drive = Trace(drive);
    let tracing = trace;
    let listener = std::os::unix::net::UnixListener::bind(socket)
        .with_context(|| format!("cannot listen on {}", socket.display()))?;
    let (mut stream, _) = listener
        .accept()
        .with_context(|| format!("accept on {}", socket.display()))?;
    let served = if tracing {
        discburn_tcmu::serve_relay(&mut stream, &mut drive)
    } else {
        discburn_tcmu::serve_relay(&mut stream, &mut drive.0)
    };
    let _ = std::fs::remove_file(socket);
    let n = served.with_context(|| format!("relay for {}", path.display()))?;
    drive
        .0
        .close()
        .with_context(|| format!("cannot close emulated disc {}", path.display()))?;
    eprintln!("discburn: relay answered {n} commands");
    Ok(())
}

/// A transport that prints every command and its outcome to stderr.
struct Trace<T>(T);

impl<T> std::fmt::Debug for Trace<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Trace")
    }
}

impl<T: Transport + ?Sized> Transport for Trace<Box<T>> {
    fn execute(
        &mut self,
        cdb: &[u8],
        data: discburn::mmc::Data<'_>,
        timeout: std::time::Duration,
    ) -> Result<discburn::mmc::Completion, discburn::mmc::TransportError> {
        trace_execute(&mut *self.0, cdb, data, timeout)
    }
    fn max_transfer(&self) -> usize {
        self.0.max_transfer()
    }
    fn device_name(&self) -> String {
        self.0.device_name()
    }
}

impl Transport for Trace<EmulatedDrive> {
    fn execute(
        &mut self,
        cdb: &[u8],
        data: discburn::mmc::Data<'_>,
        timeout: std::time::Duration,
    ) -> Result<discburn::mmc::Completion, discburn::mmc::TransportError> {
        trace_execute(&mut self.0, cdb, data, timeout)
    }
    fn max_transfer(&self) -> usize {
        self.0.max_transfer()
    }
    fn device_name(&self) -> String {
        self.0.device_name()
    }
}

fn trace_execute<T: Transport + ?Sized>(
    t: &mut T,
    cdb: &[u8],
    data: discburn::mmc::Data<'_>,
    timeout: std::time::Duration,
) -> Result<discburn::mmc::Completion, discburn::mmc::TransportError> {
    let hex: Vec<String> = cdb.iter().map(|b| format!("{b:02X}")).collect();
    let dir = data.direction();
    let len = data.len();
    let r = t.execute(cdb, data, timeout);
    let outcome = match &r {
        Ok(c) if c.is_good() => format!("GOOD residual {}", c.residual),
        Ok(c) if c.sense.len() >= 14 => {
            format!(
                "status {:02X}h sense {:X}/{:02X}/{:02X}",
                c.status,
                c.sense[2] & 0x0F,
                c.sense[12],
                c.sense[13]
            )
        }
        Ok(c) => format!("status {:02X}h", c.status),
        Err(e) => format!("transport error: {e}"),
    };
    eprintln!(
        "discburn: {} [{}] {dir:?} {len}: {outcome}",
        discburn::mmc::cdb::opcode_name(cdb[0]),
        hex.join(" ")
    );
    r
}
