//! One module per subcommand.
pub mod boot;
pub mod burn;
pub mod common;
pub mod disc;
pub mod drives;
pub mod dump;
pub mod extract;
pub mod format;
pub mod ls;
pub mod media;
pub mod mkimage;
pub mod msinfo;
pub mod repair;
pub mod rollback;
pub mod sessions;
pub mod verify;
