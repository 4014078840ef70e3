/// Expressions, lowest precedence first: or, and, not, comparison, additive, term,
/// unary, power (right-associative, binds tighter than unary minus: -2^2 = -4),
/// postfix (calls, members, indexing) and primary.
extension Parser {
    /// expr = or_expr
    func expression() throws -> Expression {
        try nested { try orExpression() }
    }

    /// or_expr = and_expr , { "or" , and_expr }
    func orExpression() throws -> Expression {
        var lhs = try andExpression()
        var terms = 1
        while match(.or) != nil {
            try countChainTerm(&terms)
            skipNewlines()
            let rhs = try andExpression()
            lhs = .binary(op: .or, lhs: lhs, rhs: rhs, span: lhs.span.to(rhs.span))
        }
        return lhs
    }

    /// and_expr = not_expr , { "and" , not_expr }
    func andExpression() throws -> Expression {
        var lhs = try notExpression()
        var terms = 1
        while match(.and) != nil {
            try countChainTerm(&terms)
            skipNewlines()
            let rhs = try notExpression()
            lhs = .binary(op: .and, lhs: lhs, rhs: rhs, span: lhs.span.to(rhs.span))
        }
        return lhs
    }

    /// not_expr = "not" , not_expr | comparison
    func notExpression() throws -> Expression {
        if let op = match(.not) {
            let operand = try nested { try notExpression() }
            return .unary(op: .not, operand: operand, span: op.span.to(operand.span))
        }
        return try comparison()
    }

    func isComparison(_ kind: TokenKind) -> Bool {
        switch kind {
        case .equalEqual, .bangEqual, .less, .lessEqual, .greater, .greaterEqual: true
        default: false
        }
    }

    /// comparison = additive , [ ( "==" | "!=" | "<" | "<=" | ">" | ">=" ) , additive ]
    func comparison() throws -> Expression {
        let lhs = try additive()
        let op: BinaryOperator
        switch peek.kind {
        case .equalEqual: op = .equal
        case .bangEqual: op = .notEqual
        case .less: op = .less
        case .lessEqual: op = .lessEqual
        case .greater: op = .greater
        case .greaterEqual: op = .greaterEqual
        default: return lhs
        }
        advance()
        skipNewlines()
        let rhs = try additive()
        if isComparison(peek.kind) {
            throw fail("comparisons cannot be chained; combine them with 'and'")
        }
        return .binary(op: op, lhs: lhs, rhs: rhs, span: lhs.span.to(rhs.span))
    }

    /// additive = term , { ( "+" | "-" ) , term }
    func additive() throws -> Expression {
        var lhs = try term()
        var terms = 1
        while true {
            let op: BinaryOperator
            switch peek.kind {
            case .plus: op = .add
            case .minus: op = .subtract
            default: return lhs
            }
            try countChainTerm(&terms)
            advance()
            skipNewlines()
            let rhs = try term()
            lhs = .binary(op: op, lhs: lhs, rhs: rhs, span: lhs.span.to(rhs.span))
        }
    }

    /// term = unary , { ( "*" | "/" | "@" | "%" ) , unary }
    func term() throws -> Expression {
        var lhs = try unary()
        var terms = 1
        while true {
            let op: BinaryOperator
            switch peek.kind {
            case .star: op = .multiply
            case .slash: op = .divide
            case .at: op = .matmul
            case .percent: op = .modulo
            default: return lhs
            }
            try countChainTerm(&terms)
            advance()
            skipNewlines()
            let rhs = try unary()
            lhs = .binary(op: op, lhs: lhs, rhs: rhs, span: lhs.span.to(rhs.span))
        }
    }

    /// unary = ( "-" | "+" ) , unary | power
    func unary() throws -> Expression {
        let op: UnaryOperator
        switch peek.kind {
        case .minus: op = .negate
        case .plus: op = .plus
        default: return try power()
        }
        let opToken = advance()
        let operand = try nested { try unary() }
        return .unary(op: op, operand: operand, span: opToken.span.to(operand.span))
    }

    /// power = postfix , [ "^" , unary ]   (right-associative through unary)
    func power() throws -> Expression {
        let base = try postfix()
        guard match(.caret) != nil else { return base }
        skipNewlines()
        let exponent = try nested { try unary() }
        return .binary(op: .power, lhs: base, rhs: exponent, span: base.span.to(exponent.span))
    }

    /// postfix = primary , { call_suffix | "." , IDENT | "[" , index , "]" }
    func postfix() throws -> Expression {
        var e = try primary()
        var terms = 1
        while true {
            if check(.leftParen) || check(.dot) || check(.leftBracket) { try countChainTerm(&terms) }
            if let open = match(.leftParen) {
                let args = try argumentList(open: open, of: calleeDescription(e))
                e = .call(callee: e, arguments: args, span: e.span.to(previous.span))
            } else if match(.dot) != nil {
                // After ".", reserved words are plain names too: `digits.train`, `split.data`.
                let (name, nameSpan): (String, SourceSpan)
                if case let .keyword(k) = peek.kind { (name, nameSpan) = (k.rawValue, advance().span) }
                else { (name, nameSpan) = try expectIdentifier("a member name after '.'") }
                e = .member(base: e, name: name, nameSpan: nameSpan, span: e.span.to(nameSpan))
            } else if let open = match(.leftBracket) {
                let items = try indexItems(open: open)
                e = .index(base: e, items: items, span: e.span.to(previous.span))
            } else {
                return e
            }
        }
    }

    /// Left-associative chains (`a + b + …`, `x.a.b…`) are parsed and evaluated without
    /// recursion, but their trees are still as deep as they are long, and freeing a tree
    /// recurses: more than `maximumChainLength` links in one chain is an error.
    func countChainTerm(_ terms: inout Int) throws {
        terms += 1
        if terms > Parser.maximumChainLength {
            throw fail("this chain has more than \(Parser.maximumChainLength) operands; split it with let bindings")
        }
    }

    func calleeDescription(_ e: Expression) -> String {
        switch e {
        case let .identifier(name, _): "'\(name)'"
        case let .member(_, name, _, _): "'\(name)'"
        default: "the call"
        }
    }

    /// The rest of `args` after "(": args = arg , { "," , arg } , [ "," ] ; then ")".
    /// An empty list is accepted here; callers that need arguments check.
    func argumentList(open: Token, of owner: String) throws -> [Argument] {
        var arguments: [Argument] = []
        while true {
            if match(.rightParen) != nil { return arguments }
            arguments.append(try argument())
            if match(.comma) != nil { skipNewlines(); continue }
            if match(.rightParen) != nil { return arguments }
            throw fail("expected ')' to close the arguments of \(owner), found \(peek)", opener: open)
        }
    }

    /// arg = [ IDENT , ":" ] , expr
    func argument() throws -> Argument {
        if case let .identifier(label) = peek.kind, peek(1).kind == .colon {
            let labelSpan = advance().span
            advance()
            skipNewlines()
            return Argument(label: label, labelSpan: labelSpan, value: try expression())
        }
        return Argument(value: try expression())
    }

    /// index = slice_item , { "," , slice_item } ; slice_item = [ expr ] , [ ":" , [ expr ] ]
    /// (an item must have an expression or a ":"); then "]".
    func indexItems(open: Token) throws -> [IndexItem] {
        var items: [IndexItem] = []
        while true {
            let first = peek
            var start: Expression?, end: Expression?
            var isSlice = false
            if !check(.colon) && !check(.comma) && !check(.rightBracket) { start = try expression() }
            if match(.colon) != nil {
                isSlice = true
                skipNewlines()
                if !check(.comma) && !check(.rightBracket) { end = try expression() }
            }
            if start == nil && !isSlice {
                throw fail("expected an index or a slice ('i', 'a:b', ':'), found \(peek)")
            }
            items.append(IndexItem(start: start, end: end, isSlice: isSlice, span: span(from: first)))
            if match(.comma) != nil { skipNewlines(); continue }
            if match(.rightBracket) != nil { return items }
            throw fail("expected ']' to close the index, found \(peek)", opener: open)
        }
    }

    /// primary = NUMBER | STRING | "true" | "false" | IDENT | "(" , expr , ")"
    ///         | "[" , [ expr , { "," , expr } , [ "," ] ] , "]"
    ///         | "fn" , "(" , [ params ] , ")" , ( "=" , expr | body )
    func primary() throws -> Expression {
        let token = peek
        switch token.kind {
        case let .number(v): advance(); return .number(v, token.span)
        case let .string(s): advance(); return .string(s, token.span)
        case .keyword(.true): advance(); return .boolean(true, token.span)
        case .keyword(.false): advance(); return .boolean(false, token.span)
        case let .identifier(name): advance(); return .identifier(name, token.span)
        case .leftParen:
            advance()
            let inner = try expression()
            try expect(.rightParen, "expected ')' to close the parenthesised expression", opener: token)
            return inner
        case .leftBracket:
            advance()
            var elements: [Expression] = []
            while true {
                if match(.rightBracket) != nil { break }
                elements.append(try expression())
                if match(.comma) != nil { skipNewlines(); continue }
                if match(.rightBracket) != nil { break }
                throw fail("expected ',' or ']' in the list, found \(peek)", opener: token)
            }
            return .list(elements, token.span.to(previous.span))
        case .keyword(.fn):
            advance()
            let parameters = try parameterList(of: "the anonymous function")
            if check(.leftBrace) {
                // A body of statements, as a named function's: `return` gives the value.
                let body = try self.body(of: "the anonymous function")
                return .lambda(parameters: parameters, body: body, span: token.span.to(previous.span))
            }
            guard match(.equal) != nil else {
                throw fail("expected '=' followed by the result of the anonymous function, or '{' and a body, found \(peek)")
            }
            skipNewlines()
            let body = try expression()
            return .lambda(parameters: parameters, body: [.returnValue(body, span: body.span)], span: token.span.to(body.span))
        default:
            throw fail("expected an expression, found \(peek)")
        }
    }
}
