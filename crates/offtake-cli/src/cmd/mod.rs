//! One module per subcommand.

pub mod check;
pub mod compare;
pub mod init;
pub mod report;
pub mod risk;
pub mod underwrite;
