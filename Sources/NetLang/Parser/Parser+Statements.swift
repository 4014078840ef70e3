/// Statements: program, statement, body and the simple statement forms.
extension Parser {
    /// program = { newline } , { statement , { newline } } , EOF
    func parseProgram() -> [Statement] {
        var statements: [Statement] = []
        while true {
            skipNewlines()
            if atEnd { break }
            if check(.rightBrace) {
                error("unexpected '}' with no matching '{'", at: peek.span)
                advance()
                continue
            }
            if let s = recovering({ try statementLine() }) { statements.append(s) }
        }
        return statements
    }

    /// A statement followed by the end of its line (or a "}" / EOF, left for the caller).
    func statementLine() throws -> Statement {
        let s = try statement()
        switch peek.kind {
        case .newline: advance()
        case .eof, .rightBrace: break
        default:
            if isComparison(peek.kind), case .expression = s {
                throw fail("comparisons cannot be chained; combine them with 'and'")
            }
            throw fail("expected the end of the line after \(describe(s)), found \(peek)")
        }
        return s
    }

    func describe(_ s: Statement) -> String {
        switch s {
        case .importFile: "the import"
        case let .letBinding(name, _, _, _): "'let \(name) = …'"
        case let .assignment(name, _, _, _): "'\(name) = …'"
        case .function: "the function definition"
        case .block: "the block definition"
        case .model: "the model definition"
        case let .data(name, _, _, _): "'data \(name) = …'"
        case .train: "the train statement"
        case .print: "the values of 'print' (separate values with ',')"
        case .repeatLoop: "the repeat loop"
        case .forLoop: "the for loop"
        case .ifElse: "the if statement"
        case .returnValue: "the return value"
        case .save: "the save statement"
        case .load: "the load statement"
        case .expression: "the expression"
        }
    }

    func statement() throws -> Statement {
        switch peek.kind {
        case .keyword(.import): return try importStatement()
        case .keyword(.let): return try letStatement()
        case .keyword(.fn) where peek(1).isIdentifier || peek(1).kind != .leftParen:
            return try functionDefinition()
        case .keyword(.block): return try blockDefinition()
        case .keyword(.model): return try modelDefinition()
        case .keyword(.data): return try dataStatement()
        case .keyword(.train): return try trainStatement()
        case .keyword(.print): return try printStatement()
        case .keyword(.repeat): return try repeatStatement()
        case .keyword(.for): return try forStatement()
        case .keyword(.if): return try ifStatement()
        case .keyword(.return): return try returnStatement()
        case .keyword(.save): return try saveStatement()
        case .keyword(.load): return try loadStatement()
        case .keyword(.else):
            throw fail("'else' without a matching 'if' (it must follow the '}' of an if statement)")
        case .keyword(.residual), .keyword(.lipschitz):
            throw fail("\(peek) is only allowed inside the body of a model or block")
        case .identifier where peek(1).kind == .equal:
            return try assignment()
        default:
            return .expression(try expression())
        }
    }

    /// body = "{" , { newline } , { statement , { newline } } , "}"
    func body(of owner: String) throws -> [Statement] {
        let open = try expectOpeningBrace("expected '{' to start the body of \(owner)")
        return try nested {
            var statements: [Statement] = []
            while true {
                skipNewlines()
                if match(.rightBrace) != nil { break }
                if atEnd { throw fail("expected '}' to close the body of \(owner), found \(peek)", opener: open) }
                if let s = recovering({ try statementLine() }) { statements.append(s) }
            }
            return statements
        }
    }

    /// import_stmt = "import" , STRING
    func importStatement() throws -> Statement {
        let start = advance()
        guard case let .string(path) = peek.kind else {
            throw fail("'import' needs a file name in double quotes, found \(peek)")
        }
        advance()
        return .importFile(path: path, span: span(from: start))
    }

    /// let_stmt = "let" , IDENT , "=" , expr
    func letStatement() throws -> Statement {
        let start = advance()
        let (name, nameSpan) = try expectIdentifier("a name after 'let'")
        try expect(.equal, "expected '=' after 'let \(name)'")
        skipNewlines()
        // `let h = train …`: the train statement, its history bound to h.
        if peek.kind == .keyword(.train), case var .train(t) = try trainStatement() {
            t.result = (name, nameSpan)
            t.span = span(from: start)
            return .train(t)
        }
        let value = try expression()
        return .letBinding(name: name, nameSpan: nameSpan, value: value, span: span(from: start))
    }

    /// assign_stmt = IDENT , "=" , expr
    func assignment() throws -> Statement {
        let (name, nameSpan) = try expectIdentifier("a name")
        advance()   // "="
        skipNewlines()
        let value = try expression()
        return .assignment(name: name, nameSpan: nameSpan, value: value, span: nameSpan.to(value.span))
    }

    /// data_stmt = "data" , IDENT , "=" , expr
    func dataStatement() throws -> Statement {
        let start = advance()
        let (name, nameSpan) = try expectIdentifier("a name for the data set after 'data'")
        try expect(.equal, "expected '=' after 'data \(name)'")
        skipNewlines()
        let value = try expression()
        return .data(name: name, nameSpan: nameSpan, value: value, span: span(from: start))
    }

    /// fn_def = "fn" , IDENT , "(" , [ params ] , ")" , ( "=" , expr | body )
    func functionDefinition() throws -> Statement {
        let start = advance()
        let (name, nameSpan) = try expectIdentifier("a function name after 'fn'")
        let parameters = try parameterList(of: "function '\(name)'")
        let body: [Statement]
        if match(.equal) != nil {
            skipNewlines()
            let value = try expression()
            body = [.returnValue(value, span: value.span)]
        } else if check(.leftBrace) || (check(.newline) && peek(1).kind == .leftBrace) {
            body = try self.body(of: "function '\(name)'")
        } else {
            throw fail("expected '=' or '{' after the parameters of function '\(name)', found \(peek)")
        }
        return .function(FunctionDefinition(name: name, nameSpan: nameSpan, parameters: parameters, body: body,
                                            span: span(from: start)))
    }

    /// "(" , [ params ] , ")" with params = param , { "," , param } and param = IDENT , [ "=" , expr ]
    func parameterList(of owner: String) throws -> [Parameter] {
        let open = try expect(.leftParen, "expected '(' to start the parameters of \(owner)")
        var parameters: [Parameter] = []
        if match(.rightParen) != nil { return parameters }
        while true {
            let (name, nameSpan) = try expectIdentifier("a parameter name")
            var defaultValue: Expression?
            if match(.equal) != nil {
                skipNewlines()
                defaultValue = try expression()
            }
            parameters.append(Parameter(name: name, span: nameSpan, defaultValue: defaultValue))
            if match(.comma) != nil { skipNewlines(); continue }
            try expect(.rightParen, "expected ',' or ')' after the parameter '\(name)' of \(owner)", opener: open)
            return parameters
        }
    }

    /// print_stmt = "print" , expr , { "," , expr }
    func printStatement() throws -> Statement {
        let start = advance()
        var values = [try expression()]
        while match(.comma) != nil {
            skipNewlines()
            values.append(try expression())
        }
        return .print(values, span: span(from: start))
    }

    /// repeat_stmt = "repeat" , expr , body
    func repeatStatement() throws -> Statement {
        let start = advance()
        let count = try expression()
        let body = try self.body(of: "'repeat'")
        return .repeatLoop(count: count, body: body, span: span(from: start))
    }

    /// for_stmt = "for" , IDENT , "in" , expr , body
    func forStatement() throws -> Statement {
        let start = advance()
        let (name, nameSpan) = try expectIdentifier("a loop variable after 'for'")
        try expect(.in, "expected 'in' after 'for \(name)'")
        let sequence = try expression()
        let body = try self.body(of: "'for'")
        return .forLoop(variable: name, variableSpan: nameSpan, sequence: sequence, body: body, span: span(from: start))
    }

    /// if_stmt = "if" , expr , body , [ "else" , ( if_stmt | body ) ]
    /// An "else" may also start the line after the closing "}".
    func ifStatement() throws -> Statement {
        let start = advance()
        let condition = try expression()
        let then = try body(of: "'if'")
        var otherwise: [Statement]?
        if check(.newline) && peek(1).isKeyword(.else) { advance() }
        if match(.else) != nil {
            if check(.if) {
                otherwise = [try nested { try ifStatement() }]
            } else if check(.leftBrace) {
                otherwise = try body(of: "'else'")
            } else {
                throw fail("expected '{' or 'if' after 'else', found \(peek)")
            }
        }
        return .ifElse(condition: condition, then: then, otherwise: otherwise, span: span(from: start))
    }

    /// return_stmt = "return" , expr
    func returnStatement() throws -> Statement {
        let start = advance()
        if check(.newline) || check(.rightBrace) || atEnd {
            throw fail("'return' needs a value, found \(peek)")
        }
        let value = try expression()
        return .returnValue(value, span: span(from: start))
    }

    /// save_stmt = "save" , expr , "to" , expr
    func saveStatement() throws -> Statement {
        let start = advance()
        let model = try expression()
        try expect(.to, "'save' needs 'to' followed by the file to save to")
        let path = try expression()
        return .save(model: model, path: path, options: try statementOptions(), span: span(from: start))
    }

    /// load_stmt = "load" , expr , "from" , expr
    func loadStatement() throws -> Statement {
        let start = advance()
        let model = try expression()
        try expect(.from, "'load' needs 'from' followed by the file to load from")
        let path = try expression()
        return .load(model: model, path: path, options: try statementOptions(), span: span(from: start))
    }

    /// options = { "," , IDENT , ":" , expr } — named options after save's and load's path.
    func statementOptions() throws -> [Argument] {
        var options: [Argument] = []
        while match(.comma) != nil {
            skipNewlines()
            guard case .identifier = peek.kind, peek(1).kind == .colon else {
                throw fail("expected a named option (name: value) after ',', found \(peek)")
            }
            options.append(try argument())
        }
        return options
    }
}
