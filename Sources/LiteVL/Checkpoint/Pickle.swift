/// A restricted unpickler: a virtual machine for the part of Python's pickle protocols 2–5
/// that `torch.save` uses for state dicts, which never calls anything.
///
/// Supported opcodes: PROTO, FRAME, MARK, STOP, POP, POP_MARK, DUP, the integer, float, string,
/// bytes, bool and None opcodes, the tuple, list and dict opcodes, the memo opcodes (BINPUT,
/// LONG_BINPUT, MEMOIZE, BINGET, LONG_BINGET), GLOBAL and STACK_GLOBAL, REDUCE, BUILD and
/// BINPERSID. Every other opcode (INST, OBJ, NEWOBJ, EXT*, sets, buffers, the text-mode
/// protocol-0 opcodes …) is refused by name.
///
/// Globals must be on ``allowedGlobals``; any other global is refused the moment it is named,
/// so a hostile pickle (`os.system`, `builtins.eval`, `subprocess.Popen`, …) is rejected
/// before anything could run — and nothing ever runs anyway: REDUCE only "calls" the allowed
/// constructors, which this VM interprets itself (`OrderedDict()` makes an empty dict,
/// `_rebuild_tensor_v2` records a strided view of a storage). Bounds on stack depth, memo size,
/// string lengths and element counts keep a hostile file from exhausting memory.
public struct Pickle {
    /// Globals a state-dict checkpoint may name.
    public static let allowedGlobals: Set<String> = Set([
        "collections.OrderedDict",
        "torch._utils._rebuild_tensor_v2",
        "torch._utils._rebuild_parameter",
    ] + StorageDType.allCases.map { "torch." + $0.rawValue })

    /// The globals REDUCE may apply.
    static let callables: Set<String> = ["collections.OrderedDict", "torch._utils._rebuild_tensor_v2", "torch._utils._rebuild_parameter"]

    /// Limits against hostile input.
    public static let maxStack = 1 << 20
    public static let maxMemo = 1 << 22
    public static let maxString = 1 << 26
    public static let maxDimensions = 16
    /// The deepest nesting of tuples, lists and dicts accepted (a state dict needs about 5).
    /// Deeper values would overflow the stack when Swift releases them (found by fuzzing).
    public static let maxNesting = 64

    /// The file named in error messages.
    let path: String
    /// Turns a persistent id (BINPERSID) into a value: `TorchCheckpoint` resolves storages.
    let persistentLoad: (PickleValue) throws(CheckpointError) -> PickleValue

    public init(path: String, persistentLoad: @escaping (PickleValue) throws(CheckpointError) -> PickleValue) {
        self.path = path
        self.persistentLoad = persistentLoad
    }

    /// Opcode names, for messages about refused opcodes.
    static let names: [UInt8: String] = [
        0x28: "MARK", 0x2e: "STOP", 0x30: "POP", 0x31: "POP_MARK", 0x32: "DUP", 0x46: "FLOAT", 0x49: "INT", 0x4a: "BININT",
        0x4b: "BININT1", 0x4c: "LONG", 0x4d: "BININT2", 0x4e: "NONE", 0x50: "PERSID", 0x51: "BINPERSID", 0x52: "REDUCE",
        0x53: "STRING", 0x54: "BINSTRING", 0x55: "SHORT_BINSTRING", 0x56: "UNICODE", 0x58: "BINUNICODE", 0x61: "APPEND",
        0x62: "BUILD", 0x63: "GLOBAL", 0x64: "DICT", 0x7d: "EMPTY_DICT", 0x65: "APPENDS", 0x67: "GET", 0x68: "BINGET",
        0x69: "INST", 0x6a: "LONG_BINGET", 0x6c: "LIST", 0x5d: "EMPTY_LIST", 0x6f: "OBJ", 0x70: "PUT", 0x71: "BINPUT",
        0x72: "LONG_BINPUT", 0x73: "SETITEM", 0x74: "TUPLE", 0x29: "EMPTY_TUPLE", 0x75: "SETITEMS", 0x47: "BINFLOAT",
        0x80: "PROTO", 0x81: "NEWOBJ", 0x82: "EXT1", 0x83: "EXT2", 0x84: "EXT4", 0x85: "TUPLE1", 0x86: "TUPLE2",
        0x87: "TUPLE3", 0x88: "NEWTRUE", 0x89: "NEWFALSE", 0x8a: "LONG1", 0x8b: "LONG4", 0x42: "BINBYTES",
        0x43: "SHORT_BINBYTES", 0x8c: "SHORT_BINUNICODE", 0x8d: "BINUNICODE8", 0x8e: "BINBYTES8", 0x8f: "EMPTY_SET",
        0x90: "ADDITEMS", 0x91: "FROZENSET", 0x92: "NEWOBJ_EX", 0x93: "STACK_GLOBAL", 0x94: "MEMOIZE", 0x95: "FRAME",
        0x96: "BYTEARRAY8", 0x97: "NEXT_BUFFER", 0x98: "READONLY_BUFFER",
    ]

    private enum Item { case value(PickleValue), mark }

    /// Runs the pickle in `bytes` and returns the value STOP leaves.
    public func load(_ bytes: UnsafeRawBufferPointer) throws(CheckpointError) -> PickleValue {
        var stack: [Item] = []
        var memo: [Int: PickleValue] = [:]
        var pos = 0
        let n = bytes.count

        func fail(_ reason: String) -> CheckpointError { .badPickle(path: path, reason: "its pickle is malformed: \(reason)") }
        func need(_ k: Int) throws(CheckpointError) {
            guard k >= 0, k <= n - pos else { throw .corrupt(path: path, reason: "data.pkl ends in the middle of an opcode at byte \(pos)") }
        }
        func u8() throws(CheckpointError) -> Int { try need(1); defer { pos += 1 }; return Int(bytes[pos]) }
        func le(_ k: Int) throws(CheckpointError) -> UInt64 {
            try need(k)
            var v: UInt64 = 0
            for i in 0..<k { v |= UInt64(bytes[pos + i]) << (8 * UInt64(i)) }
            pos += k
            return v
        }
        func take(_ k: Int) throws(CheckpointError) -> UnsafeRawBufferPointer {
            guard k <= Self.maxString else { throw .badPickle(path: path, reason: "its pickle holds a \(k)-byte string, more than any checkpoint needs") }
            try need(k)
            defer { pos += k }
            return UnsafeRawBufferPointer(rebasing: bytes[pos..<(pos + k)])
        }
        func line() throws(CheckpointError) -> String {
            var end = pos
            while end < n, bytes[end] != 0x0a { end += 1; if end - pos > 1024 { throw fail("a GLOBAL name longer than 1024 bytes") } }
            guard end < n else { throw .corrupt(path: path, reason: "data.pkl ends inside a GLOBAL name") }
            defer { pos = end + 1 }
            return String(decoding: UnsafeRawBufferPointer(rebasing: bytes[pos..<end]), as: UTF8.self)
        }
        func push(_ v: PickleValue) throws(CheckpointError) {
            guard stack.count < Self.maxStack else { throw .badPickle(path: path, reason: "its pickle stack grows beyond \(Self.maxStack) items") }
            stack.append(.value(v))
        }
        func pop() throws(CheckpointError) -> PickleValue {
            guard let last = stack.popLast() else { throw fail("stack underflow") }
            guard case let .value(v) = last else { throw fail("unexpected MARK") }
            return v
        }
        func top() throws(CheckpointError) -> PickleValue {
            guard let last = stack.last, case let .value(v) = last else { throw fail("stack underflow") }
            return v
        }
        func popMark() throws(CheckpointError) -> [PickleValue] {
            guard let m = stack.lastIndex(where: { if case .mark = $0 { return true } else { return false } }) else { throw fail("no MARK") }
            var out: [PickleValue] = []
            out.reserveCapacity(stack.count - m - 1)
            for item in stack[(m + 1)...] { if case let .value(v) = item { out.append(v) } }
            stack.removeSubrange(m...)
            return out
        }
        func put(_ key: Int) throws(CheckpointError) {
            guard memo.count < Self.maxMemo || memo[key] != nil else { throw .badPickle(path: path, reason: "its pickle memo grows beyond \(Self.maxMemo) entries") }
            memo[key] = try top()
        }
        func get(_ key: Int) throws(CheckpointError) {
            guard let v = memo[key] else { throw fail("memo key \(key) used before it was set") }
            try push(v)
        }
        func global(_ module: String, _ name: String) throws(CheckpointError) -> PickleValue {
            let full = module + "." + name
            guard Self.allowedGlobals.contains(full) else { throw .forbiddenGlobal(path: path, global: full) }
            return .global(full)
        }
        // Nesting is bounded and cycles are refused (both found by fuzzing: a 64 KB pickle of
        // nested TUPLE1s overflowed the stack when released, and a dict set into itself leaked).
        // A list or dict is sealed once it is placed inside another value, and a sealed one may
        // not change any more (torch.save fills every container before using it), so a
        // container's depth is final when it is used and no cycle can form.
        var containerDepth: [ObjectIdentifier: Int] = [:]
        var sealed: Set<ObjectIdentifier> = []
        var tupleDepth: [UnsafeRawPointer: (items: [PickleValue], depth: Int)] = [:]  // keyed by element buffer (kept alive)
        func address(_ items: [PickleValue]) -> UnsafeRawPointer { items.withUnsafeBufferPointer { UnsafeRawPointer($0.baseAddress!) } }
        func depth(_ v: PickleValue) -> Int {
            switch v {
            case let .tuple(t): return t.isEmpty ? 1 : tupleDepth[address(t)]?.depth ?? 1
            case let .list(l): return containerDepth[ObjectIdentifier(l)] ?? 1
            case let .dict(d): return containerDepth[ObjectIdentifier(d)] ?? 1
            default: return 0
            }
        }
        /// Seals the lists and dicts among `children` and returns the depth of a value holding them.
        func contain(_ children: [PickleValue]) throws(CheckpointError) -> Int {
            var deepest = 0
            for c in children {
                switch c {
                case let .list(l): sealed.insert(ObjectIdentifier(l))
                case let .dict(d): sealed.insert(ObjectIdentifier(d))
                default: break
                }
                deepest = max(deepest, depth(c))
            }
            guard deepest < Self.maxNesting else {
                throw .badPickle(path: path, reason: "its pickle nests values more than \(Self.maxNesting) deep, which no checkpoint needs")
            }
            return deepest + 1
        }
        func makeTuple(_ items: [PickleValue]) throws(CheckpointError) -> PickleValue {
            let d = try contain(items)
            if !items.isEmpty { tupleDepth[address(items)] = (items, d) }
            return .tuple(items)
        }
        /// Accounts for `items` going into `container` (before they are added).
        func fill(_ container: AnyObject, with items: [PickleValue]) throws(CheckpointError) {
            let d = try contain(items)  // seals first, so a container put into itself is refused below
            let id = ObjectIdentifier(container)
            guard !sealed.contains(id) else {
                throw .badPickle(path: path, reason: "its pickle changes a list or dict after using it (a cycle or a late update), which torch.save never writes")
            }
            containerDepth[id] = max(containerDepth[id] ?? 1, d)
        }
        func setItems(_ target: PickleValue, _ items: [PickleValue]) throws(CheckpointError) {
            guard case let .dict(d) = target else { throw fail("SETITEM(S) on a value that is not a dict") }
            guard items.count % 2 == 0 else { throw fail("SETITEMS with an odd number of items") }
            try fill(d, with: items)
            var i = 0
            while i < items.count { d.set(items[i], items[i + 1]); i += 2 }
        }

        while true {
            let at = pos
            let op = UInt8(try u8())
            switch op {
            case 0x80: // PROTO
                let v = try u8()
                guard v >= 2 && v <= 5 else { throw .badPickle(path: path, reason: "its pickle uses protocol \(v); only protocols 2 to 5 are read") }
            case 0x95: _ = try le(8) // FRAME: framing is only a read-ahead hint
            case 0x28: // MARK
                guard stack.count < Self.maxStack else { throw .badPickle(path: path, reason: "its pickle stack grows beyond \(Self.maxStack) items") }
                stack.append(.mark)
            case 0x2e: // STOP
                return try pop()
            case 0x30: _ = try pop() // POP
            case 0x31: _ = try popMark() // POP_MARK
            case 0x32: try push(try top()) // DUP
            case 0x4e: try push(.none)
            case 0x88: try push(.bool(true))
            case 0x89: try push(.bool(false))
            case 0x4b: try push(.int(try u8())) // BININT1
            case 0x4d: try push(.int(Int(try le(2)))) // BININT2
            case 0x4a: try push(.int(Int(Int32(truncatingIfNeeded: try le(4))))) // BININT
            case 0x8a: // LONG1
                let k = try u8()
                guard k <= 8 else { throw .badPickle(path: path, reason: "its pickle holds a \(k)-byte integer, larger than any tensor size") }
                if k == 0 { try push(.int(0)); break }
                var v = try le(k)
                if k < 8, v & (1 << (8 * UInt64(k) - 1)) != 0 { v |= ~0 << (8 * UInt64(k)) } // sign-extend
                try push(.int(Int(Int64(bitPattern: v))))
            case 0x47: // BINFLOAT: big-endian double
                try need(8)
                var v: UInt64 = 0
                for i in 0..<8 { v = v << 8 | UInt64(bytes[pos + i]) }
                pos += 8
                try push(.float(Double(bitPattern: v)))
            case 0x58, 0x8c, 0x8d: // BINUNICODE, SHORT_BINUNICODE, BINUNICODE8
                let k = op == 0x8c ? try u8() : Int(clamping: try le(op == 0x58 ? 4 : 8))
                try push(.string(String(decoding: try take(k), as: UTF8.self)))
            case 0x55, 0x54: // SHORT_BINSTRING, BINSTRING (Python 2 str): latin-1
                let k = op == 0x55 ? try u8() : Int(Int32(truncatingIfNeeded: try le(4)))
                guard k >= 0 else { throw fail("negative string length") }
                try push(.string(String(try take(k).map { Character(Unicode.Scalar($0)) })))
            case 0x42, 0x43, 0x8e: // BINBYTES, SHORT_BINBYTES, BINBYTES8
                let k = op == 0x43 ? try u8() : Int(clamping: try le(op == 0x42 ? 4 : 8))
                try push(.bytes(Array(try take(k))))
            case 0x29: try push(.tuple([])) // EMPTY_TUPLE
            case 0x85: try push(try makeTuple([try pop()])) // TUPLE1
            case 0x86: let b = try pop(), a = try pop(); try push(try makeTuple([a, b])) // TUPLE2
            case 0x87: let c = try pop(), b = try pop(), a = try pop(); try push(try makeTuple([a, b, c])) // TUPLE3
            case 0x74: try push(try makeTuple(try popMark())) // TUPLE
            case 0x5d: try push(.list(PickleList())) // EMPTY_LIST
            case 0x6c: // LIST
                let items = try popMark()
                let l = PickleList()
                try fill(l, with: items)
                l.items = items
                try push(.list(l))
            case 0x61: // APPEND
                let v = try pop()
                guard case let .list(l) = try top() else { throw fail("APPEND to a value that is not a list") }
                try fill(l, with: [v])
                l.items.append(v)
            case 0x65: // APPENDS
                let items = try popMark()
                guard case let .list(l) = try top() else { throw fail("APPENDS to a value that is not a list") }
                try fill(l, with: items)
                l.items.append(contentsOf: items)
            case 0x7d: try push(.dict(PickleDict())) // EMPTY_DICT
            case 0x64: // DICT
                let items = try popMark()
                let d = PickleDict()
                try setItems(.dict(d), items)
                try push(.dict(d))
            case 0x73: // SETITEM
                let v = try pop(), k = try pop()
                try setItems(try top(), [k, v])
            case 0x75: // SETITEMS
                let items = try popMark()
                try setItems(try top(), items)
            case 0x71: try put(try u8()) // BINPUT
            case 0x72: try put(Int(try le(4))) // LONG_BINPUT
            case 0x94: try put(memo.count) // MEMOIZE
            case 0x68: try get(try u8()) // BINGET
            case 0x6a: try get(Int(try le(4))) // LONG_BINGET
            case 0x63: // GLOBAL
                let module = try line(), name = try line()
                try push(try global(module, name))
            case 0x93: // STACK_GLOBAL
                let name = try pop(), module = try pop()
                guard case let .string(m) = module, case let .string(nm) = name else { throw fail("STACK_GLOBAL needs two strings") }
                try push(try global(m, nm))
            case 0x51: // BINPERSID
                try push(try persistentLoad(try pop()))
            case 0x52: // REDUCE
                let args = try pop(), callable = try pop()
                guard case let .global(name) = callable, Self.callables.contains(name) else {
                    throw .badPickle(path: path, reason: "its pickle calls \(describe(callable)), which a checkpoint of weights never needs")
                }
                guard case let .tuple(a) = args else { throw fail("REDUCE arguments are not a tuple") }
                let result = try reduce(name, a)
                if case let .dict(d) = result { try fill(d, with: d.entries.flatMap { [$0.key, $0.value] }) }  // OrderedDict(pairs)
                try push(result)
            case 0x62: // BUILD: only an OrderedDict's attribute dict (torch's _metadata), which is dropped
                let state = try pop()
                guard case .dict = try top() else { throw .badPickle(path: path, reason: "its pickle sets the state of \(describe(try top())), which a checkpoint of weights never needs") }
                switch state {
                case .dict, .none: break
                case let .tuple(t) where t.count == 2: break
                default: throw fail("BUILD with an unexpected state")
                }
            default:
                throw .forbiddenOpcode(path: path, opcode: Self.names[op] ?? String(format: "0x%02x", op), offset: at)
            }
        }
    }

    private func describe(_ v: PickleValue) -> String {
        switch v {
        case let .global(g): return g
        case .tensor: return "a tensor"
        case .storage: return "a storage"
        case .dict: return "a dict"
        case .list: return "a list"
        default: return "a plain value"
        }
    }

    /// The allowed constructors, interpreted.
    private func reduce(_ name: String, _ a: [PickleValue]) throws(CheckpointError) -> PickleValue {
        switch name {
        case "collections.OrderedDict":
            let d = PickleDict()
            if let first = a.first {
                guard a.count == 1, case let .list(l) = first else { throw .badPickle(path: path, reason: "OrderedDict called with unexpected arguments") }
                for pair in l.items {
                    guard case let .tuple(kv) = pair, kv.count == 2 else { throw .badPickle(path: path, reason: "OrderedDict item is not a pair") }
                    d.set(kv[0], kv[1])
                }
            }
            return .dict(d)
        case "torch._utils._rebuild_parameter":
            guard a.count == 3, case .tensor = a[0] else { throw .badPickle(path: path, reason: "_rebuild_parameter called with unexpected arguments") }
            return a[0]
        default: // torch._utils._rebuild_tensor_v2(storage, offset, size, stride, requires_grad, backward_hooks[, metadata])
            guard a.count == 6 || a.count == 7, case let .storage(storage) = a[0], case let .int(offset) = a[1],
                  case let .tuple(sizeValues) = a[2], case let .tuple(strideValues) = a[3] else {
                throw .badPickle(path: path, reason: "_rebuild_tensor_v2 called with unexpected arguments")
            }
            let shape = sizeValues.compactMap(\.int), strides = strideValues.compactMap(\.int)
            guard shape.count == sizeValues.count, strides.count == strideValues.count, shape.count == strides.count,
                  shape.count <= Self.maxDimensions else {
                throw .badPickle(path: path, reason: "a tensor's size and stride do not match")
            }
            return .tensor(try Self.validate(storage: storage, offset: offset, shape: shape, strides: strides, path: path))
        }
    }

    /// Checks that a strided view lies inside its storage (overflow-safe).
    static func validate(storage: StorageReference, offset: Int, shape: [Int], strides: [Int], path: String) throws(CheckpointError) -> TensorReference {
        func bad(_ reason: String) -> CheckpointError { .badTensor(path: path, name: "in storage \(storage.key)", reason: reason) }
        guard offset >= 0, shape.allSatisfy({ $0 >= 0 }), strides.allSatisfy({ $0 >= 0 }) else { throw bad("has a negative size, stride or offset") }
        var count = 1
        for s in shape {
            let (p, o) = count.multipliedReportingOverflow(by: s)
            guard !o, p <= 1 << 40 else { throw bad("has shape \(shape): more elements than any checkpoint holds") }
            count = p
        }
        if count > 0 {
            var last = offset
            for (s, st) in zip(shape, strides) {
                let (p, o1) = (s - 1).multipliedReportingOverflow(by: st)
                let (q, o2) = last.addingReportingOverflow(p)
                guard !o1, !o2 else { throw bad("has strides that overflow") }
                last = q
            }
            guard last < storage.count else {
                throw bad("with shape \(shape), strides \(strides) and offset \(offset) reaches element \(last), beyond the storage's \(storage.count) elements")
            }
        }
        return TensorReference(storage: storage, offset: offset, shape: shape, strides: strides)
    }
}
