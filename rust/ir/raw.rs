//! The IR exactly as it arrives from the compiler (docs/ir.md), deserialised with serde.
//!
//! Nothing here is trusted: `ir::load` validates every index and converts these loose shapes
//! into the checked `Program`. Instructions stay as raw JSON arrays until then, so that a
//! malformed instruction becomes an error naming its function and position, not a serde error.

use serde::Deserialize;
use serde_json::Value as Json;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawProgram {
    pub version: u32,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub variant: String,
    pub files: Vec<String>,
    pub strings: Vec<String>,
    pub structs: Vec<RawStruct>,
    pub functions: Vec<RawFunction>,
    #[serde(default)]
    pub globals: Vec<RawGlobal>,
    #[serde(default)]
    pub boot: Vec<u32>,
    pub threads: Vec<RawThread>,
    #[serde(default)]
    pub config: RawConfig,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawStruct {
    pub name: String,
    #[serde(default)]
    pub file: u32,
    #[serde(default)]
    pub line: u32,
    pub fields: Vec<RawField>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawField {
    pub name: String,
    #[serde(rename = "type")]
    pub ty: Json,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawFunction {
    pub name: String,
    pub file: u32,
    pub line: u32,
    pub params: u32,
    pub locals: u32,
    #[serde(default)]
    pub infra: bool,
    pub code: Vec<Json>,
    pub lines: Vec<u32>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawGlobal {
    pub name: String,
    #[serde(rename = "struct")]
    pub struct_id: u32,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawAction {
    #[serde(default)]
    pub name: String,
    pub func: u32,
    #[serde(default)]
    pub args: Vec<Json>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawThread {
    pub name: String,
    #[serde(default = "default_context")]
    pub context: String,
    #[serde(default)]
    pub daemon: bool,
    pub actions: Vec<RawAction>,
    pub default: Vec<u32>,
    pub min: u32,
    pub max: u32,
    #[serde(default)]
    pub optional: bool,
}

fn default_context() -> String {
    "process".to_string()
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawConfig {
    pub lockdep: Option<bool>,
    pub max_steps: Option<u64>,
    pub soft_lockup_steps: Option<u64>,
    pub heap_objects: Option<u64>,
    pub heap_bytes: Option<u64>,
    pub kasan_old_names: Option<bool>,
    pub fault_injection: Option<super::faults::RawFaults>,
}
