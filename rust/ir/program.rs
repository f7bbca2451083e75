//! The checked, compiled program the interpreter runs: dense instruction arrays, resolved
//! field tables, lock classes and the actor table.
//!
//! Every index in a `Program` has been validated by `ir::load`, so the interpreter indexes
//! without re-checking ids (register indices are bounded by each function's `locals`).

use crate::prims::Prim;

/// A register index within a frame.
pub type Reg = u8;

/// Arithmetic and comparison operators of `bin`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BinOp {
    Add,
    Sub,
    Mul,
    Div,
    Mod,
    And,
    Or,
    Xor,
    Shl,
    Shr,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

/// Unary operators of `un`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UnOp {
    Neg,
    Not,
    Inv,
    Bool,
}

/// A range of argument registers in `Program::args`.
#[derive(Clone, Copy, Debug)]
pub struct Args {
    pub start: u32,
    pub len: u8,
}

/// One IR instruction. Loads, stores, `alloc` and `prim` are visible (scheduling points).
#[derive(Clone, Copy, Debug)]
pub enum Instr {
    Int {
        d: Reg,
        v: i64,
    },
    Null {
        d: Reg,
    },
    Func {
        d: Reg,
        f: u32,
    },
    Str {
        d: Reg,
        s: u32,
    },
    Global {
        d: Reg,
        g: u32,
    },
    Mov {
        d: Reg,
        a: Reg,
    },
    Bin {
        op: BinOp,
        d: Reg,
        a: Reg,
        b: Reg,
    },
    Un {
        op: UnOp,
        d: Reg,
        a: Reg,
    },
    Jmp {
        t: u32,
    },
    Jz {
        a: Reg,
        t: u32,
    },
    Jnz {
        a: Reg,
        t: u32,
    },
    Call {
        d: Reg,
        f: u32,
        args: Args,
    },
    ICall {
        d: Reg,
        r: Reg,
        args: Args,
    },
    Ret {
        a: Reg,
    },
    RetNone,
    Assert {
        a: Reg,
    },
    Load {
        d: Reg,
        a: Reg,
        name: u32,
    },
    /// `&a->name` for an embedded field (a lock, list head, embedded struct...): address
    /// arithmetic in C, so not a memory access and not a scheduling point. The primitive that
    /// then uses the child checks that it is alive.
    AddrOf {
        d: Reg,
        a: Reg,
        name: u32,
    },
    Store {
        a: Reg,
        name: u32,
        b: Reg,
    },
    ILoad {
        d: Reg,
        a: Reg,
        i: Reg,
    },
    IStore {
        a: Reg,
        i: Reg,
        b: Reg,
    },
    Alloc {
        d: Reg,
        s: u32,
        g: Reg,
    },
    Prim {
        d: Reg,
        p: Prim,
        args: Args,
    },
}

impl Instr {
    /// Whether the scheduler may switch threads before this instruction.
    #[inline]
    pub fn is_visible(&self) -> bool {
        matches!(
            self,
            Instr::Load { .. }
                | Instr::Store { .. }
                | Instr::ILoad { .. }
                | Instr::IStore { .. }
                | Instr::Alloc { .. }
                | Instr::Prim { .. }
        )
    }
}

/// The kind of an object on the model heap.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ObjKind {
    Struct,
    Mutex,
    Spinlock,
    RwSem,
    Completion,
    WaitQueue,
    List,
    Kref,
    Work,
    Array,
    Iomem,
    /// A `struct task_struct` made by `kthread_run` (never a field type).
    Task,
}

impl ObjKind {
    /// The C type name used in reports.
    pub fn c_name(self) -> &'static str {
        match self {
            ObjKind::Struct => "struct",
            ObjKind::Mutex => "struct mutex",
            ObjKind::Spinlock => "spinlock_t",
            ObjKind::RwSem => "struct rw_semaphore",
            ObjKind::Completion => "struct completion",
            ObjKind::WaitQueue => "wait_queue_head_t",
            ObjKind::List => "struct list_head",
            ObjKind::Kref => "struct kref",
            ObjKind::Work => "struct work_struct",
            ObjKind::Array => "array",
            ObjKind::Iomem => "void __iomem",
            ObjKind::Task => "struct task_struct",
        }
    }

    /// Whether objects of this kind are locks (they carry a lock class).
    pub fn is_lock(self) -> bool {
        matches!(self, ObjKind::Mutex | ObjKind::Spinlock | ObjKind::RwSem)
    }
}

/// What a struct field holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FieldType {
    Int,
    Func,
    Ref,
    /// An embedded primitive object of the given kind.
    Prim(ObjKind),
    /// An embedded struct.
    Embed(u32),
    /// An embedded array of `len` elements of type `elem`.
    Array {
        elem: ElemType,
        len: u32,
    },
}

/// Element type of an array field.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ElemType {
    Int,
    Ref,
    Func,
    /// An embedded primitive per element (`struct mutex locks[4]`): each element holds a
    /// reference to its own child object, as an embedded primitive field does.
    Prim(ObjKind),
}

impl ElemType {
    /// The code recorded as an array object's `sid` (0 int, 1 ref, 2 func, 3 primitives).
    pub fn code(self) -> u32 {
        match self {
            ElemType::Int => 0,
            ElemType::Ref => 1,
            ElemType::Func => 2,
            ElemType::Prim(_) => 3,
        }
    }
}

impl FieldType {
    /// Whether the field holds an embedded child object (a read-only reference).
    pub fn is_embedded(self) -> bool {
        matches!(
            self,
            FieldType::Prim(_) | FieldType::Embed(_) | FieldType::Array { .. }
        )
    }
}

/// A struct field.
#[derive(Clone, Debug)]
pub struct Field {
    pub name: String,
    pub ty: FieldType,
    /// For embedded lock fields: the lock class.
    pub lock_class: u32,
}

/// A struct declaration.
#[derive(Clone, Debug)]
pub struct StructDecl {
    pub name: String,
    pub file: u32,
    pub line: u32,
    pub fields: Vec<Field>,
}

/// A compiled model function.
#[derive(Clone, Debug)]
pub struct Function {
    pub name: String,
    pub file: u32,
    pub line: u32,
    pub params: u32,
    pub locals: u32,
    pub infra: bool,
    /// A kernel library function that stands for no kernel function: reports show no frame
    /// of its own (`ir::managed`).
    pub frameless: bool,
    pub code: Vec<Instr>,
    pub lines: Vec<u32>,
}

/// The execution context an actor starts in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Context {
    Process,
    HardIrq,
    SoftIrq,
    Work,
}

impl Context {
    /// The context's name as written in the IR.
    pub fn name(self) -> &'static str {
        match self {
            Context::Process => "process",
            Context::HardIrq => "hardirq",
            Context::SoftIrq => "softirq",
            Context::Work => "work",
        }
    }
}

/// A constant argument of an action.
#[derive(Clone, Copy, Debug)]
pub enum ConstArg {
    Int(i64),
    Null,
    Global(u32),
    Func(u32),
    Str(u32),
}

/// One action of an actor's alphabet.
#[derive(Clone, Debug)]
pub struct ActionDecl {
    pub name: String,
    pub func: u32,
    pub args: Vec<ConstArg>,
}

/// An actor (a thread the workload may run).
#[derive(Clone, Debug)]
pub struct ActorDecl {
    pub name: String,
    pub context: Context,
    pub daemon: bool,
    pub actions: Vec<ActionDecl>,
    pub default: Vec<u32>,
    pub min: u32,
    pub max: u32,
    pub optional: bool,
}

/// A lock class (lockdep's notion): one per embedded lock field.
#[derive(Clone, Debug)]
pub struct LockClass {
    /// Rendered as in lockdep reports, e.g. `&switchtec_dev->mrpc_mutex`.
    pub name: String,
    /// The lock's kind (its lockdep wait type: spinlock_t or a sleeping lock).
    pub kind: ObjKind,
}

/// Kernel configuration switches that change which oracles run.
#[derive(Clone, Copy, Debug)]
pub struct Config {
    /// CONFIG_PROVE_LOCKING.
    pub lockdep: bool,
    /// Upper bound on visible steps per execution.
    pub max_steps: u64,
    /// The soft-lockup watchdog: a thread that runs this many visible steps in a row while
    /// it is the only runnable thread (and no timed wait could end) is stuck for good.
    pub soft_lockup_steps: u64,
    /// The model heap's cap in objects (embedded primitives count) and in bytes (8 per
    /// field or array element): passing either is a model error at the allocating line,
    /// never an abort of the process.
    pub heap_objects: u64,
    pub heap_bytes: u64,
    /// Print `use-after-free` instead of `slab-use-after-free` (kernels before 6.4).
    pub kasan_old_names: bool,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            lockdep: true,
            max_steps: 20_000,
            soft_lockup_steps: 10_000,
            heap_objects: 250_000,
            heap_bytes: 16 << 20,
            kasan_old_names: false,
        }
    }
}

/// A validated program.
#[derive(Clone, Debug)]
pub struct Program {
    pub name: String,
    pub variant: String,
    pub files: Vec<String>,
    pub strings: Vec<String>,
    pub structs: Vec<StructDecl>,
    pub functions: Vec<Function>,
    /// Struct id of each global.
    pub globals: Vec<u32>,
    pub global_names: Vec<String>,
    pub boot: Vec<u32>,
    pub actors: Vec<ActorDecl>,
    pub config: Config,
    pub lock_classes: Vec<LockClass>,
    /// Flattened argument registers of calls and primitives.
    pub args: Vec<Reg>,
    /// `field_index[struct * strings.len() + name]`: field index or `NO_FIELD`.
    pub field_index: Vec<u16>,
    /// Fault injection (`config.fault_injection`); None when it is off.
    pub faults: Option<super::faults::Faults>,
    /// The `alloc` instructions (function, pc), ascending, that are the allocation of a
    /// managed allocator, `devm_kzalloc(dev, kzalloc(T, gfp))` (`ir::managed`).
    pub managed_allocs: Vec<(u32, u32)>,
}

/// Marker in `Program::field_index` for "this struct has no such field".
pub const NO_FIELD: u16 = u16::MAX;

impl Program {
    /// The field index of `name` (a string id) in struct `sid`, if any.
    #[inline]
    pub fn field(&self, sid: u32, name: u32) -> Option<usize> {
        let ix = self.field_index[sid as usize * self.strings.len() + name as usize];
        (ix != NO_FIELD).then_some(ix as usize)
    }

    /// The argument registers of a call or primitive.
    #[inline]
    pub fn arg_regs(&self, a: Args) -> &[Reg] {
        &self.args[a.start as usize..a.start as usize + a.len as usize]
    }

    /// The kernel frames above the model's in the stack of the allocation at `pc` of `f`
    /// (a managed allocator's: `ir::DEVM_KMALLOC_FRAMES`), or none.
    pub fn alloc_frames(&self, f: u32, pc: u32) -> &'static [&'static str] {
        if self.managed_allocs.binary_search(&(f, pc)).is_ok() {
            super::managed::DEVM_KMALLOC_FRAMES
        } else {
            &[]
        }
    }

    /// `file:line` of instruction `pc` in function `f`.
    pub fn location(&self, f: u32, pc: u32) -> (String, u32) {
        let func = &self.functions[f as usize];
        let line = func
            .lines
            .get(pc as usize)
            .or(func.lines.last())
            .copied()
            .unwrap_or(func.line);
        (self.files[func.file as usize].clone(), line)
    }
}
