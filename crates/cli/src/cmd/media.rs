//! `discburn media`: the medium in a recorder as the data writer sees it (IMAPI2
//! IDiscFormat2Data media properties and the multisession mechanisms), with the
//! sessions and tracks from READ DISC INFORMATION / READ TRACK INFORMATION.

use std::path::PathBuf;

use anyhow::{Context, anyhow};
use discburn::mmc::TrackAddress;
use discburn::mmc::reply::{DiscStatus, SessionState, TrackInformation};
use discburn::recorder::PhysicalMediaType;
use discburn::writer::{
    DiscFormat2Data, MsftMultisessionPseudoOverwrite, Multisession, WriterError,
};
use serde_json::{Value, json};

/// Arguments of `discburn media`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The recorder: /dev/srN, an emulated disc (`discburn disc create`), or an image
    /// file / block device.
    #[arg(long, value_name = "DRIVE")]
    pub drive: PathBuf,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
}

fn imapi(e: &WriterError) -> String {
    format!("{e} ({:#010X} {})", e.hresult(), e.imapi_name())
}

fn disc_status(s: DiscStatus) -> &'static str {
    match s {
        DiscStatus::Empty => "empty",
        DiscStatus::Incomplete => "incomplete (appendable)",
        DiscStatus::Complete => "complete (closed)",
        DiscStatus::Other => "random-access",
    }
}

fn session_state(s: SessionState) -> &'static str {
    match s {
        SessionState::Empty => "empty",
        SessionState::Incomplete => "incomplete (open)",
        SessionState::Damaged => "damaged",
        SessionState::Complete => "complete",
    }
}

/// One track from READ TRACK INFORMATION.
fn track_json(t: &TrackInformation) -> Value {
    let state = if t.blank && t.next_writable_address == Some(t.track_start_address) {
        "invisible"
    } else if t.next_writable_address.is_some() {
        "open"
    } else {
        "complete"
    };
    let end = i64::from(t.track_start_address) + i64::from(t.track_size) - 1;
    json!({
        "track": t.track_number,
        "session": t.session_number,
        "state": state,
        "damaged": t.damage,
        "start_lba": t.track_start_address,
        "end_lba": end,
        "size": t.track_size,
        "next_writable_address": t.next_writable_address,
        "last_recorded_address": t.last_recorded_address,
        "free_blocks": t.free_blocks,
        "track_mode": t.track_mode,
        "data_mode": t.data_mode,
    })
}

fn mechanism_json(m: &dyn Multisession) -> Value {
    let mut v = json!({
        "supported_on_current_media_state": m.is_supported_on_current_media_state(),
        "in_use": m.in_use(),
        "import_recorder": m.import_recorder(),
        "class": m.class_name(),
    });
    if let Some(s) = m.as_sequential() {
        v["interface"] = json!("IMultisessionSequential2");
        v["is_first_data_session"] = json!(s.is_first_data_session());
        v["start_address_of_previous_session"] = json!(s.start_address_of_previous_session());
        v["last_written_address_of_previous_session"] =
            json!(s.last_written_address_of_previous_session());
        v["next_writable_address"] = match s.next_writable_address() {
            Ok(n) => json!(n),
            Err(e) => json!({ "error": e.imapi_name() }),
        };
        v["free_sectors_on_media"] = json!(s.free_sectors_on_media());
        v["write_unit_size"] = json!(s.write_unit_size());
    } else if let Some(r) = m.as_random_write() {
        v["interface"] = json!("IMultisessionRandomWrite");
        v["write_unit_size"] = json!(r.write_unit_size());
        v["last_written_address"] = match r.last_written_address() {
            Ok(n) => json!(n),
            Err(e) => json!({ "error": e.imapi_name() }),
        };
        v["total_sectors_on_media"] = json!(r.total_sectors_on_media());
    } else if let Some(p) = m.as_any().downcast_ref::<MsftMultisessionPseudoOverwrite>() {
        v["interface"] = json!("IMultisession (BD-R Pseudo-Overwrite)");
        v["write_unit_size"] = json!(p.write_unit_size());
        v["next_writable_address"] = match p.next_writable_address() {
            Ok(n) => json!(n),
            Err(e) => json!({ "error": e.imapi_name() }),
        };
        v["last_written_address"] = match p.last_written_address() {
            Ok(n) => json!(n),
            Err(e) => json!({ "error": e.imapi_name() }),
        };
        v["total_sectors_on_media"] = json!(p.total_sectors_on_media());
        v["free_sectors_on_media"] = json!(p.free_sectors_on_media());
        v["pseudo_overwrite"] = json!({
            "remaining_replacements": p.remaining_replacements(),
            "remaining_map_entries": p.remaining_map_entries(),
            "remaining_updates": p.remaining_updates(),
        });
    } else {
        v["interface"] = json!("IMultisession");
    }
    v
}

fn result<T: Into<Value>>(r: Result<T, WriterError>) -> Value {
    match r {
        Ok(v) => v.into(),
        Err(e) => json!({ "error": e.imapi_name(), "hresult": format!("{:#010X}", e.hresult()) }),
    }
}

/// Everything `media` reports, as JSON.
fn report(args: &Args) -> anyhow::Result<Value> {
    let device = args.drive.display().to_string();
    // The library's entry point for every target (it refuses a path that does not
    // exist); the recorder is taken back out for the raw queries.
    let disc = discburn::Disc::open(&args.drive).map_err(super::common::lib_err)?;
    // The boot records of the file-system sessions (El Torito), before the recorder is
    // taken out.
    let history = disc.sessions().unwrap_or_default();
    let mut rec = disc
        .into_writer()
        .take_recorder()?
        .ok_or_else(|| anyhow!("{device}: no recorder"))?;
    let profile = rec
        .current_profile()
        .map_err(|e| anyhow!("{device}: {e} ({:#010X} {})", e.hresult(), e.imapi_name()))?;
    let mut out = json!({
        "device": device,
        "profile": { "number": format!("{:04X}h", profile.number()), "name": profile.name() },
        "physical_media_type": PhysicalMediaType::from_profile(profile).imapi_name(),
    });
    if profile == discburn::mmc::Profile::None {
        out["error"] = json!("no medium (E_IMAPI_RECORDER_MEDIA_NO_MEDIA)");
        return Ok(out);
    }
    // Sessions and tracks.
    let di = rec
        .disc_information()
        .with_context(|| format!("{device}: READ DISC INFORMATION"))?;
    out["disc"] = json!({
        "disc_status": disc_status(di.disc_status),
        "state_of_last_session": session_state(di.state_of_last_session),
        "sessions": di.number_of_sessions,
        "complete_sessions": di.complete_sessions(),
        "erasable": di.erasable,
    });
    let mut tracks = Vec::new();
    for n in u32::from(di.first_track_number.max(1))..=u32::from(di.last_track_in_last_session) {
        match rec.track_information(TrackAddress::Track(n)) {
            Ok(t) => tracks.push(t),
            Err(e) => {
                tracks.clear();
                out["tracks_error"] = json!(e.to_string());
                break;
            }
        }
    }
    let mut sessions: Vec<Value> = Vec::new();
    for t in &tracks {
        let s = usize::from(t.session_number.max(1));
        while sessions.len() < s {
            let number = sessions.len() + 1;
            let complete = number <= usize::from(di.complete_sessions());
            sessions.push(json!({ "session": number, "complete": complete, "tracks": [] }));
        }
        sessions[s - 1]["tracks"]
            .as_array_mut()
            .expect("array")
            .push(track_json(t));
    }
    for s in &mut sessions {
        let ts = s["tracks"].as_array().expect("array").clone();
        let recorded: Vec<&Value> = ts.iter().filter(|t| t["state"] != "invisible").collect();
        if let (Some(first), Some(last)) = (recorded.first(), recorded.last()) {
            s["start_lba"] = first["start_lba"].clone();
            s["end_lba"] = last["end_lba"].clone();
        }
    }
    for s in &mut sessions {
        if let Some(h) = history.iter().find(|h| s["start_lba"] == json!(h.start)) {
            s["el_torito"] = super::boot::session_boot_json(h.el_torito.as_ref());
        }
    }
    out["sessions"] = json!(sessions);
    // What a BIOS or UEFI boots: the boot record of the newest session.
    out["el_torito"] =
        super::boot::session_boot_json(history.last().and_then(|h| h.el_torito.as_ref()));

    // The data writer's view.
    let w = DiscFormat2Data::new();
    let supported_recorder = w.is_recorder_supported(&mut rec);
    let supported_media = w.is_current_media_supported(&mut rec);
    out["is_recorder_supported"] = result(supported_recorder);
    out["is_current_media_supported"] = result(supported_media);
    if let Err(e) = w.set_recorder(rec) {
        out["writer_error"] = json!(imapi(&e));
        return Ok(out);
    }
    out["current_media_status"] = match w.current_media_status() {
        Ok(s) => json!({ "value": format!("{:#06X}", s.bits()), "flags": s.names() }),
        Err(e) => json!({ "error": e.imapi_name() }),
    };
    out["write_protect_status"] = match w.write_protect_status() {
        Ok(s) => json!({ "value": format!("{:#06X}", s.bits()), "flags": s.names() }),
        Err(e) => json!({ "error": e.imapi_name() }),
    };
    out["media_physically_blank"] = result(w.media_physically_blank());
    out["media_heuristically_blank"] = result(w.media_heuristically_blank());
    out["total_sectors_on_media"] = result(w.total_sectors_on_media());
    out["free_sectors_on_media"] = result(w.free_sectors_on_media());
    out["next_writable_address"] = result(w.next_writable_address());
    out["start_address_of_previous_session"] = result(w.start_address_of_previous_session());
    out["last_written_address_of_previous_session"] =
        result(w.last_written_address_of_previous_session());
    out["multisession_interfaces"] = match w.multisession_interfaces() {
        Ok(ms) => json!(
            ms.iter()
                .map(|m| mechanism_json(m.as_ref()))
                .collect::<Vec<_>>()
        ),
        Err(e) => json!({ "error": e.imapi_name() }),
    };
    Ok(out)
}

fn text_value(v: &Value) -> String {
    match v {
        Value::Object(o) if o.contains_key("error") => {
            format!("error {}", o["error"].as_str().unwrap_or("?"))
        }
        Value::Bool(b) => if *b { "yes" } else { "no" }.to_string(),
        Value::Null => "-".to_string(),
        other => other.to_string(),
    }
}

fn print_text(v: &Value) {
    println!("device: {}", v["device"].as_str().unwrap_or(""));
    println!(
        "profile: {} ({}), {}",
        v["profile"]["name"].as_str().unwrap_or(""),
        v["profile"]["number"].as_str().unwrap_or(""),
        v["physical_media_type"].as_str().unwrap_or("")
    );
    if let Some(e) = v.get("error") {
        println!("error: {}", e.as_str().unwrap_or(""));
        return;
    }
    let d = &v["disc"];
    println!(
        "disc: {}, last session {}, {} session(s), {} complete, erasable {}",
        d["disc_status"].as_str().unwrap_or(""),
        d["state_of_last_session"].as_str().unwrap_or(""),
        d["sessions"],
        d["complete_sessions"],
        text_value(&d["erasable"])
    );
    if let Some(s) = v["current_media_status"].get("flags") {
        let flags: Vec<&str> = s
            .as_array()
            .map(|a| a.iter().filter_map(|x| x.as_str()).collect())
            .unwrap_or_default();
        println!(
            "status: {} ({})",
            if flags.is_empty() {
                "UNKNOWN".to_string()
            } else {
                flags.join("|")
            },
            v["current_media_status"]["value"].as_str().unwrap_or("")
        );
    }
    if let Some(s) = v["write_protect_status"].get("flags") {
        let flags: Vec<&str> = s
            .as_array()
            .map(|a| a.iter().filter_map(|x| x.as_str()).collect())
            .unwrap_or_default();
        println!(
            "write protect: {}",
            if flags.is_empty() {
                "none".to_string()
            } else {
                flags.join("|")
            }
        );
    }
    if let Some(e) = v.get("writer_error") {
        println!("data writer: {}", e.as_str().unwrap_or(""));
    }
    for (label, key) in [
        ("physically blank", "media_physically_blank"),
        ("heuristically blank", "media_heuristically_blank"),
        ("total sectors", "total_sectors_on_media"),
        ("free sectors", "free_sectors_on_media"),
        ("next writable address", "next_writable_address"),
        (
            "start of previous session",
            "start_address_of_previous_session",
        ),
        (
            "last written of previous session",
            "last_written_address_of_previous_session",
        ),
    ] {
        if let Some(x) = v.get(key) {
            println!("{label}: {}", text_value(x));
        }
    }
    if let Some(sessions) = v["sessions"].as_array() {
        println!("sessions:");
        for s in sessions {
            let span = match (s.get("start_lba"), s.get("end_lba")) {
                (Some(a), Some(b)) => format!("LBA {a}..{b}"),
                _ => "no recorded track".to_string(),
            };
            println!(
                "  session {} ({}): {span}",
                s["session"],
                if s["complete"] == true {
                    "complete"
                } else {
                    "open"
                }
            );
            for t in s["tracks"].as_array().into_iter().flatten() {
                println!(
                    "    track {} {}: start {}, end {}, size {}, nwa {}, free {}{}",
                    t["track"],
                    t["state"].as_str().unwrap_or(""),
                    t["start_lba"],
                    t["end_lba"],
                    t["size"],
                    text_value(&t["next_writable_address"]),
                    t["free_blocks"],
                    if t["damaged"] == true {
                        ", damaged"
                    } else {
                        ""
                    }
                );
            }
        }
    }
    if let Some(ms) = v["multisession_interfaces"].as_array() {
        println!("multisession:");
        for m in ms {
            let o = m.as_object().expect("object");
            let fields: Vec<String> = o
                .iter()
                .filter(|(k, _)| k.as_str() != "interface" && k.as_str() != "import_recorder")
                .map(|(k, x)| format!("{k}={}", text_value(x)))
                .collect();
            println!(
                "  {}: {}",
                m["interface"].as_str().unwrap_or(""),
                fields.join(", ")
            );
        }
    }
}

/// Runs `discburn media`.
pub fn run(args: Args) -> anyhow::Result<()> {
    let v = report(&args)?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&v)?);
    } else {
        print_text(&v);
    }
    Ok(())
}
