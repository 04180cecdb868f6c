//! Import events (IMAPI2 DFileSystemImageImportEvents::UpdateImport, imapi2.md §15.2).

use std::sync::{Arc, Mutex};

use crate::FileSystems;

/// The arguments of one DFileSystemImageImportEvents::UpdateImport event, raised while
/// [`crate::FileSystemImage`] imports a session: once before each directory is read
/// (the root included) and once per file (regular files, symbolic links and special
/// files). Items of the session that lose to items already in the tree (I-19) are
/// reported too: the event says what was read from the medium.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportProgress {
    /// The file system being imported (one flag: ISO9660 or JOLIET).
    pub file_system: FileSystems,
    /// Image path of the item; directories end with `/` (IMAPI: `\`), the root is `/`.
    pub current_item: String,
    /// Directories reached so far, this one included when `current_item` is a directory.
    pub imported_directory_items: u32,
    /// Directories in the session: `None` (IMAPI's −1) for ISO 9660 and Joliet, whose
    /// counts are not known in advance.
    pub total_directory_items: Option<u32>,
    /// Files imported so far, this one included when `current_item` is a file.
    pub imported_file_items: u32,
    /// Files in the session: `None` (IMAPI's −1) for ISO 9660 and Joliet.
    pub total_file_items: Option<u32>,
}

/// The callback type of [`crate::FileSystemImage::set_import_callback`].
pub type ImportCallback = Box<dyn FnMut(&ImportProgress) + Send>;

/// The callback as held by the image (shared by clones of the image object).
#[derive(Clone)]
pub(crate) struct ImportCallbackSlot(pub(crate) Arc<Mutex<ImportCallback>>);

impl std::fmt::Debug for ImportCallbackSlot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ImportCallback")
    }
}

/// Counts and raises the events of one import.
pub(crate) struct Events<'a> {
    callback: Option<&'a mut (dyn FnMut(&ImportProgress) + Send)>,
    file_system: FileSystems,
    directories: u32,
    files: u32,
}

impl<'a> Events<'a> {
    pub(crate) fn new(
        callback: Option<&'a mut (dyn FnMut(&ImportProgress) + Send)>,
        file_system: FileSystems,
    ) -> Self {
        Events {
            callback,
            file_system,
            directories: 0,
            files: 0,
        }
    }

    /// Before directory `path` (no trailing `/`; the root is `/`) is read.
    pub(crate) fn directory(&mut self, path: &str) {
        self.directories += 1;
        if self.callback.is_some() {
            let item = if path.ends_with('/') {
                path.to_owned()
            } else {
                format!("{path}/")
            };
            self.raise(item);
        }
    }

    /// For file `path`.
    pub(crate) fn file(&mut self, path: impl FnOnce() -> String) {
        self.files += 1;
        if self.callback.is_some() {
            self.raise(path());
        }
    }

    fn raise(&mut self, current_item: String) {
        let p = ImportProgress {
            file_system: self.file_system,
            current_item,
            imported_directory_items: self.directories,
            total_directory_items: None,
            imported_file_items: self.files,
            total_file_items: None,
        };
        if let Some(cb) = self.callback.as_mut() {
            cb(&p);
        }
    }
}
