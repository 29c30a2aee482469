//! A restricted unpickler for the `data.pkl` of a `torch.save` file: it builds an inert value
//! tree and never calls anything.
//!
//! Python's pickle is a small stack machine whose `GLOBAL` and `REDUCE` opcodes import and call
//! any Python callable, which is why loading an untrusted pickle runs code. Here `GLOBAL` is
//! looked up in a fixed table ([`Global`]) of the names `torch.save` writes for tensors and
//! state dicts, and anything else (`os.system`, `builtins.eval`, a model class) is refused with
//! [`PtError::ForbiddenGlobal`] at the opcode that names it, before anything else is read.
//! `REDUCE` of an allowed name builds a node (an `OrderedDict` is a dict, `_rebuild_tensor_v2`
//! a [`Tensor`] description); nothing is imported or executed, in any case.
//!
//! The opcodes are those of protocols 2 to 5 that carry data and structure (as CPython's
//! `Lib/pickle.py` and `pickletools` define them); the text opcodes of protocols 0 and 1
//! (`INT`, `STRING`, …), `NEWOBJ`, `INST`/`OBJ`, `EXT*`, sets and out-of-band buffers are
//! refused as unsupported: `torch.save` does not write them. Values live in an arena indexed
//! by [`Id`]; the memo and the stack hold ids, so a shared or self-referencing object costs one
//! node, every node comes from at least one byte of pickle, and memory is linear in the
//! pickle's length (which the caller bounds, [`MAX_PICKLE_BYTES`]).
//!
//! `BINPERSID` (persistent ids) is how `torch.save` refers to a storage written beside the
//! pickle: the tuple `('storage', <StorageClass>, key, location, numel)`, read as a
//! [`Storage`] whose bytes are the archive's entry `data/<key>` (torch/serialization.py,
//! `_save` and `_load`).

use crate::error::{FormatError, PtError, Result};
use std::collections::HashMap;

/// A `data.pkl` longer than this is refused before it is read (a state dict of a
/// multi-billion-parameter model pickles to a few MB: one small tuple per tensor).
pub const MAX_PICKLE_BYTES: u64 = 64 << 20;

/// Values the arena may hold (each is about 100 bytes): a state dict of 10 000 tensors builds
/// about 150 000. More is refused as [`FormatError::Limit`] before memory runs out.
pub const MAX_NODES: usize = 2_000_000;
/// Entries on the stack (values and MARKs), and entries in the memo.
pub const MAX_STACK: usize = 1_000_000;
pub const MAX_MEMO: usize = 2_000_000;

fn limit(what: &str, n: usize) -> crate::error::Error {
    FormatError::Limit { what: format!("a torch.save pickle with more than {n} {what}") }.into()
}

/// Index of a value in the arena.
pub type Id = usize;

/// Element type of a storage, from its class name (`torch.FloatStorage`, …).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StorageKind {
    Float,
    Double,
    Half,
    BFloat16,
    Long,
    Int,
    Short,
    Char,
    Byte,
    Bool,
}

impl StorageKind {
    fn from_class(name: &str) -> Option<StorageKind> {
        use StorageKind::*;
        Some(match name {
            "FloatStorage" => Float,
            "DoubleStorage" => Double,
            "HalfStorage" => Half,
            "BFloat16Storage" => BFloat16,
            "LongStorage" => Long,
            "IntStorage" => Int,
            "ShortStorage" => Short,
            "CharStorage" => Char,
            "ByteStorage" => Byte,
            "BoolStorage" => Bool,
            _ => return None,
        })
    }
}

/// The callables and classes a `torch.save` pickle of tensors may name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Global {
    /// `torch._utils._rebuild_tensor_v2(storage, offset, size, stride, requires_grad, hooks[, metadata])`.
    RebuildTensorV2,
    /// `torch._utils._rebuild_parameter(data, requires_grad, hooks)` and
    /// `_rebuild_parameter_with_state(data, requires_grad, hooks, state)`: the tensor itself.
    RebuildParameter,
    /// `collections.OrderedDict`: called with no arguments (or a list of pairs), a dict.
    OrderedDict,
    /// `torch.<Kind>Storage`, only as the class in a persistent id.
    Storage(StorageKind),
    /// `torch.serialization._get_layout(name)`, and the layout `torch.strided` itself.
    GetLayout,
    Strided,
}

impl Global {
    fn lookup(module: &str, name: &str) -> Option<Global> {
        match (module, name) {
            ("torch._utils", "_rebuild_tensor_v2") => Some(Global::RebuildTensorV2),
            ("torch._utils", "_rebuild_parameter" | "_rebuild_parameter_with_state") => Some(Global::RebuildParameter),
            ("collections", "OrderedDict") => Some(Global::OrderedDict),
            ("torch.serialization", "_get_layout") => Some(Global::GetLayout),
            ("torch", "strided") => Some(Global::Strided),
            ("torch", class) => StorageKind::from_class(class).map(Global::Storage),
            _ => None,
        }
    }
}

/// A storage written beside the pickle as the entry `data/<key>`.
#[derive(Debug, Clone, PartialEq)]
pub struct Storage {
    pub kind: StorageKind,
    pub key: String,
    /// Elements (not bytes) the storage holds, as the persistent id says.
    pub numel: u64,
}

/// A tensor as `_rebuild_tensor_v2` describes it: a view of a storage.
#[derive(Debug, Clone, PartialEq)]
pub struct Tensor {
    pub storage: Storage,
    /// In elements from the storage's start.
    pub offset: u64,
    pub size: Vec<u64>,
    /// In elements, one per dimension.
    pub stride: Vec<u64>,
}

/// A value of the tree.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    None,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    Bytes(usize),
    Tuple(Vec<Id>),
    List(Vec<Id>),
    Dict(Vec<(Id, Id)>),
    Global(Global),
    Storage(Storage),
    Tensor(Tensor),
    Layout,
}

/// The unpickled tree: an arena of values and the root.
#[derive(Debug, Default)]
pub struct Tree {
    pub nodes: Vec<Value>,
    pub root: Id,
}

impl Tree {
    pub fn get(&self, id: Id) -> &Value {
        &self.nodes[id]
    }
}

/// Stack entries: a value, or a MARK.
#[derive(Clone, Copy)]
enum Slot {
    Mark,
    Val(Id),
}

struct Machine<'a> {
    data: &'a [u8],
    pos: usize,
    /// Offset of the opcode being run, for messages.
    at: usize,
    nodes: Vec<Value>,
    stack: Vec<Slot>,
    memo: HashMap<u64, Id>,
}

fn malformed(at: usize, detail: impl Into<String>) -> crate::error::Error {
    FormatError::Pt(PtError::Pickle { offset: at as u64, detail: detail.into() }).into()
}

impl<'a> Machine<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8]> {
        let end = self.pos.checked_add(n).filter(|&e| e <= self.data.len());
        let Some(end) = end else {
            return Err(malformed(self.at, "the pickle ends inside an opcode's argument"));
        };
        let s = &self.data[self.pos..end];
        self.pos = end;
        Ok(s)
    }
    fn u8(&mut self) -> Result<u8> {
        Ok(self.take(1)?[0])
    }
    fn le(&mut self, n: usize) -> Result<u64> {
        let b = self.take(n)?;
        Ok(b.iter().rev().fold(0u64, |acc, &x| (acc << 8) | u64::from(x)))
    }
    fn line(&mut self) -> Result<&'a str> {
        let rest = &self.data[self.pos..];
        let Some(n) = rest.iter().position(|&b| b == b'\n') else {
            return Err(malformed(self.at, "GLOBAL without its newline-terminated name"));
        };
        self.pos += n + 1;
        std::str::from_utf8(&rest[..n]).map_err(|_| malformed(self.at, "a GLOBAL name that is not UTF-8"))
    }
    fn push(&mut self, v: Value) -> Result<()> {
        if self.nodes.len() >= MAX_NODES {
            return Err(limit("values", MAX_NODES));
        }
        self.nodes.push(v);
        self.push_slot(Slot::Val(self.nodes.len() - 1))
    }
    fn push_slot(&mut self, slot: Slot) -> Result<()> {
        if self.stack.len() >= MAX_STACK {
            return Err(limit("entries on its stack", MAX_STACK));
        }
        self.stack.push(slot);
        Ok(())
    }
    fn pop(&mut self) -> Result<Id> {
        match self.stack.pop() {
            Some(Slot::Val(id)) => Ok(id),
            Some(Slot::Mark) => Err(malformed(self.at, "an opcode met a MARK where it needs a value")),
            None => Err(malformed(self.at, "an opcode needs a value but the stack is empty")),
        }
    }
    fn top(&self) -> Result<Id> {
        match self.stack.last() {
            Some(Slot::Val(id)) => Ok(*id),
            _ => Err(malformed(self.at, "an opcode needs a value on the stack")),
        }
    }
    /// Pops down to the last MARK and returns the values above it.
    fn pop_mark(&mut self) -> Result<Vec<Id>> {
        let Some(m) = self.stack.iter().rposition(|s| matches!(s, Slot::Mark)) else {
            return Err(malformed(self.at, "an opcode needs a MARK but there is none"));
        };
        let items = self.stack[m + 1..].iter().filter_map(|s| if let Slot::Val(id) = s { Some(*id) } else { None });
        let items = items.collect();
        self.stack.truncate(m);
        Ok(items)
    }
    fn string(&mut self, n: u64) -> Result<()> {
        let n = usize::try_from(n).map_err(|_| malformed(self.at, "a string longer than memory"))?;
        let b = self.take(n)?;
        let s = std::str::from_utf8(b).map_err(|_| malformed(self.at, "a string that is not UTF-8"))?;
        self.push(Value::Str(s.to_string()))
    }
    fn memo_put(&mut self, key: u64) -> Result<()> {
        let id = self.top()?;
        if self.memo.len() >= MAX_MEMO && !self.memo.contains_key(&key) {
            return Err(limit("memo entries", MAX_MEMO));
        }
        self.memo.insert(key, id);
        Ok(())
    }
    fn memo_get(&mut self, key: u64) -> Result<()> {
        let Some(&id) = self.memo.get(&key) else {
            return Err(malformed(self.at, format!("memo entry {key} is read before it is written")));
        };
        self.push_slot(Slot::Val(id))
    }
    fn int(&self, id: Id, what: &str) -> Result<i64> {
        match self.nodes[id] {
            Value::Int(v) => Ok(v),
            Value::Bool(b) => Ok(i64::from(b)),
            _ => Err(malformed(self.at, format!("{what} is not an integer"))),
        }
    }
    fn ints(&self, id: Id, what: &str) -> Result<Vec<u64>> {
        let (Value::Tuple(items) | Value::List(items)) = &self.nodes[id] else {
            return Err(malformed(self.at, format!("{what} is not a tuple of integers")));
        };
        items
            .iter()
            .map(|&i| {
                let v = self.int(i, what)?;
                u64::try_from(v).map_err(|_| malformed(self.at, format!("{what} holds a negative value {v}")))
            })
            .collect()
    }
    fn tuple(&self, id: Id, what: &str) -> Result<Vec<Id>> {
        match &self.nodes[id] {
            Value::Tuple(items) => Ok(items.clone()),
            _ => Err(malformed(self.at, format!("{what} is not a tuple"))),
        }
    }

    /// `callable(*args)` for the allowed callables.
    fn reduce(&mut self, callable: Id, args: Id) -> Result<Value> {
        let Value::Global(g) = self.nodes[callable] else {
            return Err(malformed(self.at, "REDUCE of something that is not a global eigenlens allows"));
        };
        let args = self.tuple(args, "REDUCE's arguments")?;
        match g {
            Global::OrderedDict => {
                let mut pairs = Vec::new();
                if let [items] = args.as_slice() {
                    let (Value::List(items) | Value::Tuple(items)) = &self.nodes[*items] else {
                        return Err(malformed(self.at, "OrderedDict's argument is not a list of pairs"));
                    };
                    for &item in items {
                        match self.tuple(item, "an OrderedDict item")?.as_slice() {
                            [k, v] => pairs.push((*k, *v)),
                            _ => return Err(malformed(self.at, "an OrderedDict item is not a pair")),
                        }
                    }
                } else if !args.is_empty() {
                    return Err(malformed(self.at, "OrderedDict called with more than one argument"));
                }
                Ok(Value::Dict(pairs))
            }
            Global::RebuildTensorV2 => {
                if !(6..=7).contains(&args.len()) {
                    return Err(malformed(
                        self.at,
                        format!("_rebuild_tensor_v2 takes 6 or 7 arguments, the pickle gives {}", args.len()),
                    ));
                }
                let Value::Storage(storage) = self.nodes[args[0]].clone() else {
                    return Err(malformed(self.at, "_rebuild_tensor_v2's first argument is not a storage"));
                };
                let offset = self.int(args[1], "the storage offset")?;
                let offset = u64::try_from(offset).map_err(|_| malformed(self.at, "a negative storage offset"))?;
                let size = self.ints(args[2], "the tensor's size")?;
                let stride = self.ints(args[3], "the tensor's stride")?;
                if size.len() != stride.len() {
                    return Err(malformed(
                        self.at,
                        format!("a tensor of {} dimensions with {} strides", size.len(), stride.len()),
                    ));
                }
                Ok(Value::Tensor(Tensor { storage, offset, size, stride }))
            }
            Global::RebuildParameter => match args.first().map(|&a| &self.nodes[a]) {
                Some(Value::Tensor(t)) => Ok(Value::Tensor(t.clone())),
                _ => Err(malformed(self.at, "_rebuild_parameter's first argument is not a tensor")),
            },
            Global::GetLayout | Global::Strided => Ok(Value::Layout),
            Global::Storage(_) => {
                Err(malformed(self.at, "a storage class is called; torch.save refers to storages by persistent id"))
            }
        }
    }

    /// `BINPERSID`: `('storage', StorageClass, key, location, numel)`.
    fn persistent(&mut self, pid: Id) -> Result<Value> {
        let items = self.tuple(pid, "the persistent id")?;
        let bad =
            |m: &Self| malformed(m.at, "a persistent id that is not ('storage', StorageClass, key, location, numel)");
        let [tag, class, key, _location, numel] = items.as_slice() else {
            return Err(bad(self));
        };
        let (Value::Str(tag), Value::Global(Global::Storage(kind)), Value::Str(key)) =
            (&self.nodes[*tag], &self.nodes[*class], &self.nodes[*key])
        else {
            return Err(bad(self));
        };
        if tag != "storage" {
            return Err(bad(self));
        }
        let (kind, key) = (*kind, key.clone());
        let numel = self.int(*numel, "the storage's size")?;
        let numel = u64::try_from(numel).map_err(|_| malformed(self.at, "a storage of negative size"))?;
        Ok(Value::Storage(Storage { kind, key, numel }))
    }

    fn run(mut self) -> Result<Tree> {
        loop {
            self.at = self.pos;
            let op = self.u8()?;
            match op {
                0x80 => {
                    let proto = self.u8()?;
                    if !(2..=5).contains(&proto) {
                        return Err(malformed(self.at, format!("pickle protocol {proto} (2 to 5 are read)")));
                    }
                }
                b'\x95' => {
                    self.take(8)?; // FRAME: a length hint only
                }
                b'.' => {
                    let root = self.pop()?;
                    return Ok(Tree { nodes: self.nodes, root });
                }
                b'(' => self.push_slot(Slot::Mark)?,
                b'0' => {
                    self.stack.pop().ok_or_else(|| malformed(self.at, "POP on an empty stack"))?;
                }
                b'1' => {
                    self.pop_mark()?;
                }
                b'2' => {
                    let id = self.top()?;
                    self.push_slot(Slot::Val(id))?;
                }
                b'N' => self.push(Value::None)?,
                b'\x88' => self.push(Value::Bool(true))?,
                b'\x89' => self.push(Value::Bool(false))?,
                b'J' => {
                    let v = self.le(4)? as u32 as i32;
                    self.push(Value::Int(i64::from(v)))?;
                }
                b'K' => {
                    let v = self.le(1)?;
                    self.push(Value::Int(v as i64))?;
                }
                b'M' => {
                    let v = self.le(2)?;
                    self.push(Value::Int(v as i64))?;
                }
                b'\x8a' => {
                    let n = self.u8()? as usize;
                    if n > 8 {
                        return Err(malformed(self.at, format!("an integer of {n} bytes (up to 8 are read)")));
                    }
                    let raw = self.le(n)?;
                    // Two's complement of n bytes, sign-extended.
                    let v = if n == 0 {
                        0
                    } else if n == 8 {
                        raw as i64
                    } else {
                        let shift = 64 - 8 * n as u32;
                        ((raw << shift) as i64) >> shift
                    };
                    self.push(Value::Int(v))?;
                }
                b'G' => {
                    let b = self.take(8)?;
                    let mut a = [0u8; 8];
                    a.copy_from_slice(b);
                    self.push(Value::Float(f64::from_be_bytes(a)))?;
                }
                b'X' => {
                    let n = self.le(4)?;
                    self.string(n)?;
                }
                b'\x8c' => {
                    let n = self.le(1)?;
                    self.string(n)?;
                }
                b'\x8d' => {
                    let n = self.le(8)?;
                    self.string(n)?;
                }
                b'B' | b'C' | b'\x8e' => {
                    let n = match op {
                        b'B' => self.le(4)?,
                        b'C' => self.le(1)?,
                        _ => self.le(8)?,
                    };
                    let n = usize::try_from(n).map_err(|_| malformed(self.at, "bytes longer than memory"))?;
                    self.take(n)?;
                    self.push(Value::Bytes(n))?;
                }
                b')' => self.push(Value::Tuple(Vec::new()))?,
                b't' => {
                    let items = self.pop_mark()?;
                    self.push(Value::Tuple(items))?;
                }
                b'\x85' | b'\x86' | b'\x87' => {
                    let n = (op - 0x84) as usize;
                    let mut items = vec![0; n];
                    for slot in items.iter_mut().rev() {
                        *slot = self.pop()?;
                    }
                    self.push(Value::Tuple(items))?;
                }
                b']' => self.push(Value::List(Vec::new()))?,
                b'l' => {
                    let items = self.pop_mark()?;
                    self.push(Value::List(items))?;
                }
                b'a' | b'e' => {
                    let items = if op == b'a' { vec![self.pop()?] } else { self.pop_mark()? };
                    let list = self.top()?;
                    match &mut self.nodes[list] {
                        Value::List(v) => v.extend(items),
                        _ => return Err(malformed(self.at, "APPEND to something that is not a list")),
                    }
                }
                b'}' => self.push(Value::Dict(Vec::new()))?,
                b'd' | b's' | b'u' => {
                    let items = match op {
                        b's' => {
                            let v = self.pop()?;
                            let k = self.pop()?;
                            vec![k, v]
                        }
                        _ => self.pop_mark()?,
                    };
                    if items.len() % 2 != 0 {
                        return Err(malformed(self.at, "a dict of an odd number of keys and values"));
                    }
                    let pairs = items.chunks_exact(2).map(|p| (p[0], p[1]));
                    if op == b'd' {
                        let pairs = pairs.collect();
                        self.push(Value::Dict(pairs))?;
                    } else {
                        let dict = self.top()?;
                        match &mut self.nodes[dict] {
                            Value::Dict(v) => v.extend(pairs),
                            _ => return Err(malformed(self.at, "SETITEM on something that is not a dict")),
                        }
                    }
                }
                b'h' => {
                    let k = self.le(1)?;
                    self.memo_get(k)?;
                }
                b'j' => {
                    let k = self.le(4)?;
                    self.memo_get(k)?;
                }
                b'q' => {
                    let k = self.le(1)?;
                    self.memo_put(k)?;
                }
                b'r' => {
                    let k = self.le(4)?;
                    self.memo_put(k)?;
                }
                b'\x94' => {
                    let k = self.memo.len() as u64;
                    self.memo_put(k)?;
                }
                b'c' => {
                    let module = self.line()?.to_string();
                    let name = self.line()?.to_string();
                    self.global(module, name)?;
                }
                b'\x93' => {
                    let name = self.pop()?;
                    let module = self.pop()?;
                    let (Value::Str(m), Value::Str(n)) = (&self.nodes[module], &self.nodes[name]) else {
                        return Err(malformed(self.at, "STACK_GLOBAL of names that are not strings"));
                    };
                    let (m, n) = (m.clone(), n.clone());
                    self.global(m, n)?;
                }
                b'R' => {
                    let args = self.pop()?;
                    let callable = self.pop()?;
                    let v = self.reduce(callable, args)?;
                    self.push(v)?;
                }
                b'b' => {
                    // BUILD: sets an object's state (an OrderedDict's `_metadata`, a
                    // parameter's attributes); the state is dropped, the object kept.
                    self.pop()?;
                    self.top()?;
                }
                b'Q' => {
                    let pid = self.pop()?;
                    let v = self.persistent(pid)?;
                    self.push(v)?;
                }
                other => {
                    return Err(malformed(
                        self.at,
                        format!("opcode 0x{other:02x} is not one torch.save writes for tensors"),
                    ))
                }
            }
        }
    }

    fn global(&mut self, module: String, name: String) -> Result<()> {
        match Global::lookup(&module, &name) {
            Some(g) => {
                self.push(Value::Global(g))?;
                Ok(())
            }
            None => Err(FormatError::Pt(PtError::ForbiddenGlobal { module, name }).into()),
        }
    }
}

/// Unpickles `data` into an inert tree (see the module docs for what is read and refused).
pub fn unpickle(data: &[u8]) -> Result<Tree> {
    let m = Machine { data, pos: 0, at: 0, nodes: Vec::new(), stack: Vec::new(), memo: HashMap::new() };
    m.run()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Error;

    #[test]
    fn refuses_os_system_at_the_global() {
        // GLOBAL 'os system', then the argument and REDUCE that Python would run.
        let e = unpickle(b"\x80\x02cos\nsystem\nX\x05\x00\x00\x00touch\x85R.").unwrap_err();
        assert_eq!(
            e,
            Error::Format(FormatError::Pt(PtError::ForbiddenGlobal { module: "os".into(), name: "system".into() }))
        );
        let e = unpickle(b"\x80\x04\x8c\x08builtins\x8c\x04eval\x93.").unwrap_err();
        assert!(e.to_string().contains("builtins.eval"), "{e}");
    }

    #[test]
    fn reads_nested_containers_and_memo() {
        // {'a': [1, -2, 3.5], 'b': <memo 0 = the list>}
        let mut p = b"\x80\x02}q\x00(X\x01\x00\x00\x00a]q\x01(K\x01\x8a\x01\xfeG".to_vec();
        p.extend_from_slice(&3.5f64.to_be_bytes());
        p.extend_from_slice(b"eX\x01\x00\x00\x00bh\x01u.");
        let t = unpickle(&p).unwrap();
        let Value::Dict(pairs) = t.get(t.root) else { panic!() };
        assert_eq!(pairs.len(), 2);
        assert_eq!(pairs[0].1, pairs[1].1);
        let Value::List(items) = t.get(pairs[0].1) else { panic!() };
        let vals: Vec<&Value> = items.iter().map(|&i| t.get(i)).collect();
        assert_eq!(vals, [&Value::Int(1), &Value::Int(-2), &Value::Float(3.5)]);
    }

    #[test]
    fn a_pickle_that_would_exhaust_memory_is_refused() {
        // A million and one MARKs (one byte each): the stack bound, not the allocator, stops it.
        let mut p = b"\x80\x02".to_vec();
        p.resize(2 + MAX_STACK + 1, b'(');
        let e = unpickle(&p).unwrap_err();
        assert_eq!(
            e.to_string(),
            format!("refused: a torch.save pickle with more than {MAX_STACK} entries on its stack")
        );
    }

    #[test]
    fn malformed_pickles_name_the_offset() {
        let e = unpickle(b"\x80\x02h\x07.").unwrap_err().to_string();
        assert!(e.contains("memo entry 7") && e.contains("byte 2"), "{e}");
        let e = unpickle(b"\x80\x02X\xff\x00\x00\x00ab").unwrap_err().to_string();
        assert!(e.contains("ends inside"), "{e}");
        let e = unpickle(b"\x80\x02I1\n.").unwrap_err().to_string();
        assert!(e.contains("opcode 0x49"), "{e}");
        let e = unpickle(b"\x80\x02ccollections\nOrderedDict\nK\x01R.").unwrap_err().to_string();
        assert!(e.contains("not a tuple"), "{e}");
    }
}
