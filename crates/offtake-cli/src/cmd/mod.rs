//! One module per subcommand.

pub mod check;
pub mod compare;
pub mod init;
pub mod risk;
pub mod underwrite;
