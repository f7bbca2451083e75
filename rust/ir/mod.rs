//! The IR: raw serde shapes (`raw`), the checked program (`program`) and the validating
//! loader (`load`); the primitive table is `crate::prims`. See docs/ir.md for the format.

mod decode;
pub mod faults;
pub mod load;
mod managed;
pub mod program;
pub(crate) mod raw;

pub use crate::prims::{Prim, Reach};
pub use load::load_program;
pub use managed::DEVM_KMALLOC_FRAMES;
pub use program::*;
