/// The train statement and its settings.
extension Parser {
    /// train_stmt = "train" , IDENT , { "," , IDENT } , "on" , expr , train_body
    func trainStatement() throws -> Statement {
        let start = advance()
        var models = [try expectIdentifier("the name of a model to train after 'train'")]
        while match(.comma) != nil {
            skipNewlines()
            models.append(try expectIdentifier("the name of a model to train after ','"))
        }
        try expect(.on, "'train' needs 'on' followed by the data to train on")
        let data = try expression()
        let items = try trainBody()
        return .train(TrainStatement(models: models.map { (name: $0.0, span: $0.1) }, data: data, items: items,
                                     span: span(from: start)))
    }

    /// train_body = "{" , { newline } , { train_item , { newline } } , "}"
    func trainBody() throws -> [TrainItem] {
        let open = try expectOpeningBrace("expected '{' to start the settings of 'train'")
        return try nested {
            var items: [TrainItem] = []
            while true {
                skipNewlines()
                if match(.rightBrace) != nil { break }
                if atEnd { throw fail("expected '}' to close the settings of 'train', found \(peek)", opener: open) }
                if let item = recovering({ try trainItem() }) { items.append(item) }
            }
            return items
        }
    }

    /// train_item = "loss" expr | "minimize" expr [ "over" names ] | "maximize" expr [ "over" names ]
    ///            | "optimizer" expr | "schedule" expr | ( "epochs" | "steps" | "batch" ) expr
    ///            | "shuffle" expr | "log" expr { "," expr } | "validate" [ "on" ] expr [ "every" expr ]
    ///            | "early_stop" "(" args ")" | "keep" "best" | "reset" "optimizer"
    /// The words are recognised here only, so they stay ordinary names elsewhere.
    /// `epochs 30 batch 64` is read as two juxtaposed settings.
    func trainItem() throws -> TrainItem {
        let start = peek
        guard let word = peek.trainWord, word != .over else {
            throw fail("expected a training setting (loss, minimize, maximize, optimizer, schedule, epochs, steps, "
                       + "batch, shuffle, log, validate, early_stop, keep best or reset optimizer), found \(peek)")
        }
        advance()
        func value() throws -> Expression {
            if check(.newline) || check(.rightBrace) || atEnd {
                throw fail("'\(word.rawValue)' needs a value, found \(peek)")
            }
            return try expression()
        }
        switch word {
        case .loss: return .loss(try value(), span: span(from: start))
        case .minimize, .maximize:
            let objective = try value()
            var over: [(name: String, span: SourceSpan)] = []
            if peek.trainWord == .over {
                advance()
                over.append(try expectIdentifier("the name of a model after 'over'"))
                while match(.comma) != nil {
                    skipNewlines()
                    over.append(try expectIdentifier("the name of a model after ','"))
                }
            }
            return word == .minimize ? .minimize(objective, over: over, span: span(from: start))
                                     : .maximize(objective, over: over, span: span(from: start))
        case .optimizer: return .optimizer(try value(), span: span(from: start))
        case .schedule: return .schedule(try value(), span: span(from: start))
        case .epochs, .steps, .batch: return .setting(name: word.rawValue, value: try value(), span: span(from: start))
        case .shuffle: return .shuffle(try value(), span: span(from: start))
        case .log:
            var values = [try value()]
            while match(.comma) != nil {
                skipNewlines()
                values.append(try expression())
            }
            return .log(values, span: span(from: start))
        case .validate:
            _ = match(.on)
            let data = try value()
            var every: Expression? = nil
            if peek.identifier == "every" {
                advance()
                every = try value()
            }
            return .validate(data, every: every, span: span(from: start))
        case .early_stop:
            let open = try expect(.leftParen, "expected '(' after 'early_stop': early_stop(patience: 5)")
            return .earlyStop(try argumentList(open: open, of: "early_stop"), span: span(from: start))
        case .keep:
            guard peek.identifier == "best" else { throw fail("expected 'best' after 'keep' (keep best), found \(peek)") }
            advance()
            return .keepBest(span: span(from: start))
        case .reset:
            guard peek.trainWord == .optimizer else { throw fail("expected 'optimizer' after 'reset' (reset optimizer), found \(peek)") }
            advance()
            return .resetOptimizer(span: span(from: start))
        case .over: throw fail("'over' must follow 'minimize' or 'maximize'")
        }
    }
}
