//! `discburn drives`: lists the recorders (optical drives) of the machine with their
//! identity and the current medium (IMAPI2 IDiscMaster2 + IDiscRecorder2).

use std::path::PathBuf;

use discburn::recorder::{DiscMaster, DiscRecorder, PhysicalMediaType};

/// Arguments of `discburn drives`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Print a JSON array instead of text.
    #[arg(long)]
    pub json: bool,
    /// Also show these devices, emulated discs or image files (repeatable).
    #[arg(long = "device", value_name = "PATH")]
    pub devices: Vec<PathBuf>,
}

/// One listed recorder.
#[derive(Debug, Default)]
struct Row {
    device: String,
    vendor: String,
    product: String,
    revision: String,
    profile: Option<u16>,
    profile_name: String,
    media: String,
    error: Option<String>,
}

fn probe(device: String, sysfs: Option<&discburn::sgio::DriveInfo>) -> Row {
    let mut row = Row {
        device: device.clone(),
        ..Row::default()
    };
    if let Some(i) = sysfs {
        row.vendor = i.vendor.clone();
        row.product = i.model.clone();
        row.revision = i.revision.clone();
    }
    let mut r = match DiscRecorder::open(&device) {
        Ok(r) => r,
        Err(e) => {
            row.error = Some(format!("{} ({:#010X} {})", e, e.hresult(), e.imapi_name()));
            return row;
        }
    };
    match r.inquiry() {
        Ok(i) => {
            row.vendor = i.vendor_identification;
            row.product = i.product_identification;
            row.revision = i.product_revision_level;
        }
        Err(e) => row.error = Some(e.to_string()),
    }
    match r.current_profile() {
        Ok(p) => {
            row.profile = Some(p.number());
            row.profile_name = p.name().to_string();
            row.media = PhysicalMediaType::from_profile(p).imapi_name().to_string();
        }
        Err(e) => {
            row.error.get_or_insert_with(|| e.to_string());
        }
    }
    row
}

/// Runs `discburn drives`.
pub fn run(args: Args) -> anyhow::Result<()> {
    let master = DiscMaster::new();
    let infos = master.drives();
    let mut rows: Vec<Row> = infos
        .iter()
        .map(|i| probe(i.device.display().to_string(), Some(i)))
        .collect();
    for d in &args.devices {
        if d.exists() {
            rows.push(probe(d.display().to_string(), None));
        } else {
            rows.push(Row {
                device: d.display().to_string(),
                error: Some(
                    "no such device or file; give /dev/srN, an emulated disc (disc create) or an image file".into(),
                ),
                ..Row::default()
            });
        }
    }
    // A device named on the command line that cannot be used is a failure (exit 1),
    // after the listing.
    let failed = rows
        .iter()
        .skip(infos.len())
        .find_map(|r| r.error.as_ref().map(|e| format!("{}: {e}", r.device)));
    if args.json {
        let v: Vec<serde_json::Value> = rows
            .iter()
            .map(|r| {
                serde_json::json!({
                    "device": r.device,
                    "vendor": r.vendor,
                    "product": r.product,
                    "revision": r.revision,
                    "current_profile": r.profile.map(|p| format!("{p:04X}h")),
                    "current_profile_name": r.profile_name,
                    "media_type": r.media,
                    "error": r.error,
                })
            })
            .collect();
        println!("{}", serde_json::to_string_pretty(&v)?);
        return failed.map_or(Ok(()), |f| Err(anyhow::anyhow!(f)));
    }
    if rows.is_empty() {
        println!("no optical drives found");
        return Ok(());
    }
    for r in &rows {
        let ident = [r.vendor.as_str(), r.product.as_str(), r.revision.as_str()]
            .iter()
            .filter(|s| !s.is_empty())
            .copied()
            .collect::<Vec<_>>()
            .join(" ");
        let media = match r.profile {
            Some(0) => "no medium".to_string(),
            Some(p) => format!("{} ({p:04X}h, {})", r.profile_name, r.media),
            None => "medium unknown".to_string(),
        };
        print!("{}\t{}\t{}", r.device, ident, media);
        if let Some(e) = &r.error {
            print!("\t[{e}]");
        }
        println!();
    }
    failed.map_or(Ok(()), |f| Err(anyhow::anyhow!(f)))
}
