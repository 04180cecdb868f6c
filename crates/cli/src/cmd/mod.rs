//! One module per subcommand.
pub mod disc;
pub mod drives;
pub mod mkimage;
