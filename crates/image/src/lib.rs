//! The file-system image (IMAPI2 IFileSystemImage): the tree of items, import of a
//! previous session, the layout (a pure function of tree, options and session start
//! block) and the streamed emitter (IFileSystemImageResult).
#![forbid(unsafe_code)]
#![deny(missing_docs)]
