//! The typed API: methods on [`Boards`](crate::Boards), one file per API area, each
//! running one of the connector's GraphQL documents on the connection's pipeline.

mod boards;
mod custom;
mod document;
mod input;
mod users;

pub use custom::CUSTOM_API_DEFAULT_PATH;
