/// Models, blocks and layer bodies.
extension Parser {
    /// model_def = "model" , IDENT , [ "(" , [ args ] , ")" ] , layer_body
    func modelDefinition() throws -> Statement {
        let start = advance()
        let (name, nameSpan) = try expectIdentifier("a model name after 'model'")
        var arguments: [Argument] = []
        if let open = match(.leftParen) {
            arguments = try argumentList(open: open, of: "model '\(name)'")
        }
        let layers = try layerBody(of: "model '\(name)'")
        return .model(ModelDefinition(name: name, nameSpan: nameSpan, arguments: arguments, layers: layers,
                                      span: span(from: start)))
    }

    /// block_def = "block" , IDENT , "(" , [ params ] , ")" , layer_body
    func blockDefinition() throws -> Statement {
        let start = advance()
        let (name, nameSpan) = try expectIdentifier("a block name after 'block'")
        let parameters = try parameterList(of: "block '\(name)'")
        let layers = try layerBody(of: "block '\(name)'")
        return .block(BlockDefinition(name: name, nameSpan: nameSpan, parameters: parameters, layers: layers,
                                      span: span(from: start)))
    }

    /// layer_body = "{" , { newline } , { layer_item , { newline } } , "}"
    /// Items are separated by newlines or simply juxtaposed: `dense(128) relu`.
    func layerBody(of owner: String) throws -> [LayerItem] {
        let open = try expectOpeningBrace("expected '{' to start the layers of \(owner)")
        return try nested {
            var items: [LayerItem] = []
            while true {
                skipNewlines()
                if match(.rightBrace) != nil { break }
                if atEnd { throw fail("expected '}' to close the layers of \(owner), found \(peek)", opener: open) }
                if let item = recovering({ try layerItem() }) { items.append(item) }
            }
            return items
        }
    }

    /// layer_item = layer_call , { constraint }
    ///            | layer_call , layer_body          (a layer with a network, e.g. a coupling)
    ///            | "residual" , [ "(" , [ args ] , ")" ] , { constraint } , layer_body
    ///            | "repeat" , expr , layer_body
    ///            | "lipschitz" , "(" , args , ")" , layer_body
    func layerItem() throws -> LayerItem {
        let start = peek
        switch peek.kind {
        case let .identifier(name):
            advance()
            var arguments: [Argument] = []
            if let open = match(.leftParen) {
                arguments = try argumentList(open: open, of: "'\(name)'")
            }
            // `name(…) { … }`: a layer with a body of its own (whether it takes one is the
            // catalog's to say, where the model is built).
            if check(.leftBrace) {
                let body = try layerBody(of: "'\(name)'")
                return .bodied(name: name, nameSpan: start.span, arguments: arguments, body: body, span: span(from: start))
            }
            // A `lipschitz(…)` directly followed by "{" is the next item (a lipschitz
            // body), not a constraint on this layer.
            var constraints: [Constraint] = []
            while check(.lipschitz) && !lipschitzStartsBody() {
                constraints.append(try constraint())
            }
            return .call(name: name, nameSpan: start.span, arguments: arguments, constraints: constraints,
                         span: span(from: start))
        case .keyword(.residual):
            advance()
            var arguments: [Argument] = []
            if let open = match(.leftParen) {
                arguments = try argumentList(open: open, of: "'residual'")
            }
            var constraints: [Constraint] = []
            while check(.lipschitz) { constraints.append(try constraint()) }
            let body = try layerBody(of: "'residual'")
            return .residual(arguments: arguments, constraints: constraints, body: body, span: span(from: start))
        case .keyword(.repeat):
            advance()
            let count = try expression()
            let body = try layerBody(of: "'repeat'")
            return .repeated(count: count, body: body, span: span(from: start))
        case .keyword(.lipschitz):
            let c = try constraint()
            let body = try layerBody(of: "'lipschitz'")
            return .constrained(c, body: body, span: span(from: start))
        default:
            throw fail("expected a layer (such as 'dense(128)' or 'relu'), 'residual', 'repeat' or 'lipschitz', found \(peek)")
        }
    }

    /// constraint = "lipschitz" , "(" , args , ")"
    func constraint() throws -> Constraint {
        let start = advance()
        let open = try expect(.leftParen, "expected '(' after 'lipschitz' (for example 'lipschitz(c: 0.9)')")
        if check(.rightParen) {
            throw fail("'lipschitz' needs arguments, such as the coefficient 'c: 0.9'")
        }
        let arguments = try argumentList(open: open, of: "'lipschitz'")
        return Constraint(arguments: arguments, span: span(from: start))
    }

    /// Whether the `lipschitz` at the current token is followed by "(…)" and then "{".
    func lipschitzStartsBody() -> Bool {
        var i = current + 1
        guard i < tokens.count, tokens[i].kind == .leftParen else { return false }
        var parens = 0
        while i < tokens.count {
            switch tokens[i].kind {
            case .leftParen: parens += 1
            case .rightParen:
                parens -= 1
                if parens == 0 { return i + 1 < tokens.count && tokens[i + 1].kind == .leftBrace }
            case .leftBrace, .rightBrace, .newline, .eof: return false
            default: break
            }
            i += 1
        }
        return false
    }
}
