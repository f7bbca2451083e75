//! The IR: raw serde shapes (`raw`), the checked program (`program`), the primitive table
//! (`prim`) and the validating loader (`load`). See docs/ir.md for the format.

mod decode;
pub mod load;
pub mod prim;
pub mod program;
pub(crate) mod raw;

pub use load::load_program;
pub use prim::Prim;
pub use program::*;
