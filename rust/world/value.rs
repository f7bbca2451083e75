//! Model values: ints, None, generation-checked object references, function values, strings.

/// A reference to a heap object. `gen` must equal the object's generation for the reference
/// to be live; a mismatch is the use-after-free signal.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ObjRef {
    pub idx: u32,
    pub gen: u32,
}

/// A model value (16 bytes, `Copy`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Value {
    #[default]
    Null,
    Int(i64),
    Ref(ObjRef),
    Func(u32),
    Str(u32),
}

impl Value {
    /// Truthiness as defined by docs/ir.md.
    #[inline]
    pub fn truthy(self) -> bool {
        match self {
            Value::Null => false,
            Value::Int(v) => v != 0,
            _ => true,
        }
    }

    /// A short type name for model-error messages.
    pub fn type_name(self) -> &'static str {
        match self {
            Value::Null => "None",
            Value::Int(_) => "int",
            Value::Ref(_) => "reference",
            Value::Func(_) => "function",
            Value::Str(_) => "string",
        }
    }
}
