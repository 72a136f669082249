//! One module per subcommand.

pub mod check;
pub mod compare;
pub mod db;
pub mod deals;
pub mod init;
pub mod portfolio;
pub mod report;
pub mod risk;
pub mod sec;
pub mod serve;
pub mod solve;
pub mod underwrite;
