//! The multisession mechanisms of the data writer (IMAPI2 IMultisession and its derived
//! interfaces; the traits are `discburn_image`'s [`Multisession`],
//! [`discburn_image::MultisessionSequential`] and [`discburn_image::MultisessionRandomWrite`]).
//!
//! A mechanism is an object that both describes how a session is appended (what
//! IDiscFormat2Data::get_MultisessionInterfaces hands to the file-system image) and
//! records a session that way ([`Mechanism::record`]). Each one lives in its own module;
//! [`offered`] is the one place that lists which mechanisms a medium offers. Adding a
//! mechanism (e.g. BD-R Pseudo-Overwrite) adds a module and a line in [`offered`], and
//! nothing else (MS-18).

use std::sync::Arc;

use discburn_image::Multisession;
use discburn_recorder::DiscRecorder;

use crate::engine::Job;
use crate::error::WriterError;
use crate::media::{Kind, MediaInfo};
use crate::stream::SessionStream;
use crate::writer::Config;

pub(crate) mod pseudo_overwrite;
pub(crate) mod random_write;
pub(crate) mod sequential;

pub use pseudo_overwrite::{
    MsftMultisessionPseudoOverwrite, SequentialSession, format_pseudo_overwrite,
};
pub use random_write::MsftMultisessionRandomWrite;
pub use sequential::MsftMultisessionSequential;

/// A mechanism as the data writer uses it: the IMAPI2 description plus the recording
/// procedure.
pub(crate) trait Mechanism: Multisession {
    /// The first write operation (start LBA, sectors) as far as it is known before the
    /// media is validated, for the progress events (IWriteEngine2EventArgs::StartLba,
    /// SectorCount).
    fn planned_operation(
        &self,
        cfg: &Config,
        info: &MediaInfo,
        stream: &dyn SessionStream,
    ) -> (u64, u64);

    /// Records `stream` as a new session on the media described by `info` (validated:
    /// usable, not write-protected), emitting the write actions through `job`.
    ///
    /// # Errors
    /// The errors of IDiscFormat2Data::Write (see `DiscFormat2Data::write_with_progress`).
    fn record(
        &self,
        job: &mut Job<'_, '_>,
        info: &MediaInfo,
        stream: &mut dyn SessionStream,
    ) -> Result<(), WriterError>;
}

/// The mechanisms the medium described by `info` offers, in order of preference; at
/// least one (MS-01). `disc_id` is the medium's CalculateDiscIdentifier, kept by each
/// object for the file-system image. A BD-R formatted for Pseudo-Overwrite offers
/// [`MsftMultisessionPseudoOverwrite`] first (the image's default: the newest session
/// is what LBA 0 shows) and [`MsftMultisessionSequential`] second.
///
/// # Errors
/// Device errors of the reads a mechanism makes to describe the medium (the
/// pseudo-overwrite one reads the head at LBA 16).
pub(crate) fn offered(
    rec: &mut DiscRecorder,
    info: &MediaInfo,
    disc_id: Option<String>,
) -> Result<Vec<Arc<dyn Mechanism>>, WriterError> {
    if let Some(pow) = MsftMultisessionPseudoOverwrite::from_info(rec, info, disc_id.clone())? {
        return Ok(vec![
            Arc::new(pow),
            Arc::new(MsftMultisessionSequential::from_info(info, disc_id)),
        ]);
    }
    Ok(match info.kind {
        Kind::Overwrite => vec![Arc::new(MsftMultisessionRandomWrite::from_info(
            info, disc_id,
        ))],
        // Read-only media get a sequential object that is not supported (MS-01).
        Kind::Sequential | Kind::ReadOnly => vec![Arc::new(MsftMultisessionSequential::from_info(
            info, disc_id,
        ))],
    })
}

/// The mechanism a write uses on the media described by `info`: the offered one of the
/// class `wanted` (the one marked in use in the list the writer handed out), else the
/// first offered.
///
/// # Errors
/// E_IMAPI_DF2DATA_INVALID_MEDIA_STATE when the mechanism in use is not offered by the
/// media now in the recorder.
pub(crate) fn for_write(
    rec: &mut DiscRecorder,
    info: &MediaInfo,
    wanted: Option<&str>,
) -> Result<Arc<dyn Mechanism>, WriterError> {
    let list = offered(rec, info, None)?;
    match wanted {
        None => Ok(Arc::clone(&list[0])),
        Some(class) => list
            .iter()
            .find(|m| m.class_name() == class)
            .cloned()
            .ok_or_else(|| {
                info.invalid_state(format!(
                    "the multisession mechanism in use ({class}) is not offered by the media in the recorder"
                ))
            }),
    }
}

/// `Multisession` for a mechanism struct with the fields `supported`, `in_use`
/// (`AtomicBool`), `import_recorder` and `disc_id`; `$as` names the downcast accessor
/// that returns `Some(self)` as `$tr`.
macro_rules! impl_multisession {
    ($ty:ty, $class:literal, $as:ident, $tr:path) => {
        impl discburn_image::Multisession for $ty {
            fn is_supported_on_current_media_state(&self) -> bool {
                self.supported
            }
            fn in_use(&self) -> bool {
                self.in_use.load(std::sync::atomic::Ordering::SeqCst)
            }
            fn set_in_use(&self, in_use: bool) {
                self.in_use
                    .store(in_use, std::sync::atomic::Ordering::SeqCst);
            }
            fn import_recorder(&self) -> &str {
                &self.import_recorder
            }
            fn class_name(&self) -> &str {
                $class
            }
            fn as_any(&self) -> &dyn std::any::Any {
                self
            }
            fn $as(&self) -> Option<&dyn $tr> {
                Some(self)
            }
            fn disc_identifier(&self) -> Option<&str> {
                self.disc_id.as_deref()
            }
            fn open_import_media(
                &self,
            ) -> Result<Box<dyn discburn_image::SectorSource>, discburn_image::MultisessionError>
            {
                crate::source::open_media(&self.import_recorder).map_err(|e| e.to_multisession())
            }
        }
    };
}
pub(crate) use impl_multisession;
