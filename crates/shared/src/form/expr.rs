//! The expression language of `relevant`, `constraint` and `calculate`.
//!
//! Expressions are parsed once, when a form definition is read, and then
//! evaluated many times against the answers as they change. The grammar is a
//! small subset of what ODK's XPath offers, chosen so form authors who know
//! ODK feel at home, and hand-written so the wasm carries no regex engine:
//!
//! ```text
//! expr    := or
//! or      := and ("or" and)*
//! and     := not ("and" not)*
//! not     := "not" not | compare
//! compare := sum (("=" | "!=" | "<" | "<=" | ">" | ">=") sum)?
//! sum     := product (("+" | "-") product)*
//! product := unary (("*" | "/") unary)*
//! unary   := "-" unary | primary
//! primary := number | string | "true" | "false" | "null" | "."
//!          | "${" code "}" | "${" repeat "." column "}"
//!          | name "(" (expr ("," expr)*)? ")" | "(" expr ")"
//! ```
//!
//! `.` is the value of the field being checked (in a `constraint`). `${code}`
//! is another field; inside a repeat row it is looked up in the row first.
//! `${repeat.column}` is one column of a repeat group, as a list. Strings are
//! quoted with `'` or `"` and have no escapes. Functions: `if(c, a, b)`,
//! `length(text)`, `selected(${field}, 'code')`, `count(list)`,
//! `sum(list)`, `today()`, `year(date)`, `month(date)`, `day(date)`,
//! `number(text)` and `coalesce(a, b)`.
//!
//! Evaluation never fails: a missing answer is `null`, arithmetic or ordering
//! with `null` gives `null`, and an operation on values of the wrong kind
//! gives `null` or false. `null` is not truthy, so a `relevant` that reads
//! missing answers hides its field; but a `constraint` that comes out `null`
//! passes, because it cannot be judged until its inputs are filled and the
//! missing inputs are reported by themselves. A half-filled form never stops
//! the app, and one empty answer does not cascade into many problems.

use super::date::Date;
use super::number::parse_decimal;
use crate::report::Answers;
use serde_json::Value as Json;
use std::fmt;

/// Longer expressions are refused, which together with
/// [`MAX_NESTING`] bounds the recursion of parsing, evaluating and dropping.
pub const MAX_SOURCE_CHARS: usize = 1000;

/// How deeply parentheses, calls and unary operators may nest.
pub const MAX_NESTING: usize = 32;

/// A parsed expression. It keeps its source text, which is what it
/// serializes to, so a form definition round-trips unchanged.
#[derive(Debug, Clone)]
pub struct Expr {
    source: String,
    root: Node,
}

impl PartialEq for Expr {
    fn eq(&self, other: &Expr) -> bool {
        self.source == other.source
    }
}

/// Why an expression does not parse, with the 0-based character position
/// where the problem was found. These messages are for form authors, who
/// work in English in the form files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    pub position: usize,
    pub message: String,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "at character {}: {}", self.position + 1, self.message)
    }
}

impl std::error::Error for ParseError {}

/// A reference to a field: `${code}` or `${repeat.column}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldRef {
    pub code: String,
    pub column: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Function {
    If,
    Length,
    Selected,
    Count,
    Sum,
    Today,
    Year,
    Month,
    Day,
    Number,
    Coalesce,
}

impl Function {
    fn by_name(name: &str) -> Option<Function> {
        Some(match name {
            "if" => Function::If,
            "length" => Function::Length,
            "selected" => Function::Selected,
            "count" => Function::Count,
            "sum" => Function::Sum,
            "today" => Function::Today,
            "year" => Function::Year,
            "month" => Function::Month,
            "day" => Function::Day,
            "number" => Function::Number,
            "coalesce" => Function::Coalesce,
            _ => return None,
        })
    }

    fn arity(self) -> usize {
        match self {
            Function::Today => 0,
            Function::If => 3,
            Function::Selected | Function::Coalesce => 2,
            _ => 1,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum BinaryOp {
    Or,
    And,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    Add,
    Sub,
    Mul,
    Div,
}

#[derive(Debug, Clone)]
enum Node {
    Literal(Value),
    Current,
    Field(FieldRef),
    Not(Box<Node>),
    Negate(Box<Node>),
    Binary(BinaryOp, Box<Node>, Box<Node>),
    Call(Function, Vec<Node>),
}

/// A value during evaluation.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Bool(bool),
    Number(f64),
    Text(String),
    Date(Date),
    List(Vec<Value>),
}

impl Value {
    /// Reads an answer. Objects (a GPS point, a repeat row) carry no value an
    /// expression can use, so they read as `true`: present, nothing more.
    pub fn from_json(json: &Json) -> Value {
        match json {
            Json::Null => Value::Null,
            Json::Bool(b) => Value::Bool(*b),
            Json::Number(n) => n.as_f64().map_or(Value::Null, Value::Number),
            Json::String(s) => Value::Text(s.clone()),
            Json::Array(items) => Value::List(items.iter().map(Value::from_json).collect()),
            Json::Object(_) => Value::Bool(true),
        }
    }

    /// The answer a `calculate` stores. Whole numbers become JSON integers so
    /// a calculated count validates as an integer field.
    pub fn to_json(&self) -> Json {
        match self {
            Value::Null => Json::Null,
            Value::Bool(b) => Json::Bool(*b),
            Value::Number(n) if n.fract() == 0.0 && n.abs() < 9_007_199_254_740_992.0 => {
                Json::from(*n as i64)
            }
            Value::Number(n) => serde_json::Number::from_f64(*n).map_or(Json::Null, Json::Number),
            Value::Text(s) => Json::String(s.clone()),
            Value::Date(d) => Json::String(d.to_string()),
            Value::List(items) => Json::Array(items.iter().map(Value::to_json).collect()),
        }
    }

    /// Whether a `relevant` or `constraint` holding this value passes.
    pub fn is_truthy(&self) -> bool {
        match self {
            Value::Null => false,
            Value::Bool(b) => *b,
            Value::Number(n) => *n != 0.0 && !n.is_nan(),
            Value::Text(s) => !s.is_empty(),
            Value::Date(_) => true,
            Value::List(items) => !items.is_empty(),
        }
    }

    fn is_empty(&self) -> bool {
        match self {
            Value::Null => true,
            Value::Text(s) => s.is_empty(),
            Value::List(items) => items.is_empty(),
            _ => false,
        }
    }

    fn as_number(&self) -> Option<f64> {
        match self {
            Value::Number(n) => Some(*n),
            Value::Text(s) => parse_decimal(s.trim()).filter(|n| n.is_finite()),
            Value::Bool(b) => Some(f64::from(u8::from(*b))),
            _ => None,
        }
    }

    fn as_date(&self) -> Option<Date> {
        match self {
            Value::Date(d) => Some(*d),
            Value::Text(s) => Date::parse(s).ok(),
            _ => None,
        }
    }
}

fn number(n: f64) -> Value {
    if n.is_finite() {
        Value::Number(n)
    } else {
        Value::Null
    }
}

/// What an expression is evaluated against: the answers, the repeat row it
/// sits in (if any), the value of the field being checked, and today's date,
/// which the caller supplies because this crate has no clock.
#[derive(Debug, Clone, Copy)]
pub struct Context<'a> {
    pub answers: &'a Answers,
    pub row: Option<&'a Answers>,
    pub current: Option<&'a Json>,
    pub today: Date,
}

impl<'a> Context<'a> {
    pub fn new(answers: &'a Answers, today: Date) -> Context<'a> {
        Context {
            answers,
            row: None,
            current: None,
            today,
        }
    }

    fn lookup(&self, code: &str) -> Option<&'a Json> {
        self.row
            .and_then(|row| row.get(code))
            .or_else(|| self.answers.get(code))
    }
}

impl Expr {
    pub fn parse(source: &str) -> Result<Expr, ParseError> {
        let count = source.chars().count();
        if count > MAX_SOURCE_CHARS {
            return Err(ParseError {
                position: MAX_SOURCE_CHARS,
                message: format!("expression longer than {MAX_SOURCE_CHARS} characters"),
            });
        }
        let tokens = lex(source)?;
        let mut parser = Parser {
            tokens,
            at: 0,
            depth: 0,
            end: count,
        };
        let root = parser.expr()?;
        if let Some((token, position)) = parser.tokens.get(parser.at) {
            let message = if matches!(token, Token::Compare(_)) {
                "comparisons cannot be chained; join them with 'and'".to_owned()
            } else {
                format!(
                    "unexpected {} after a complete expression",
                    token.describe()
                )
            };
            return Err(ParseError {
                position: *position,
                message,
            });
        }
        Ok(Expr {
            source: source.to_owned(),
            root,
        })
    }

    pub fn source(&self) -> &str {
        &self.source
    }

    /// Every `${...}` the expression reads, for checking a form definition.
    pub fn references(&self) -> Vec<FieldRef> {
        fn walk(node: &Node, out: &mut Vec<FieldRef>) {
            match node {
                Node::Field(field) => out.push(field.clone()),
                Node::Not(inner) | Node::Negate(inner) => walk(inner, out),
                Node::Binary(_, left, right) => {
                    walk(left, out);
                    walk(right, out);
                }
                Node::Call(_, args) => args.iter().for_each(|arg| walk(arg, out)),
                Node::Literal(_) | Node::Current => {}
            }
        }
        let mut out = Vec::new();
        walk(&self.root, &mut out);
        out
    }

    pub fn evaluate(&self, context: &Context<'_>) -> Value {
        eval(&self.root, context)
    }
}

impl std::str::FromStr for Expr {
    type Err = ParseError;
    fn from_str(source: &str) -> Result<Expr, ParseError> {
        Expr::parse(source)
    }
}

impl fmt::Display for Expr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.source)
    }
}

impl serde::Serialize for Expr {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.source)
    }
}

impl<'de> serde::Deserialize<'de> for Expr {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Expr, D::Error> {
        let source = String::deserialize(deserializer)?;
        Expr::parse(&source).map_err(|error| {
            serde::de::Error::custom(format_args!("expression {source:?}: {error}"))
        })
    }
}

// ---------------------------------------------------------------- lexing --

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Number(f64),
    Text(String),
    Field(FieldRef),
    Name(String),
    Dot,
    Open,
    Close,
    Comma,
    Plus,
    Minus,
    Star,
    Slash,
    Compare(BinaryOp),
}

impl Token {
    fn describe(&self) -> String {
        match self {
            Token::Number(_) => "a number".into(),
            Token::Text(_) => "a string".into(),
            Token::Field(_) => "a field reference".into(),
            Token::Name(name) => format!("'{name}'"),
            Token::Dot => "'.'".into(),
            Token::Open => "'('".into(),
            Token::Close => "')'".into(),
            Token::Comma => "','".into(),
            Token::Plus => "'+'".into(),
            Token::Minus => "'-'".into(),
            Token::Star => "'*'".into(),
            Token::Slash => "'/'".into(),
            Token::Compare(_) => "a comparison".into(),
        }
    }
}

fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

fn lex(source: &str) -> Result<Vec<(Token, usize)>, ParseError> {
    let chars: Vec<char> = source.chars().collect();
    let error = |position: usize, message: String| Err(ParseError { position, message });
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let start = i;
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        let token = match c {
            _ if c.is_whitespace() => {
                i += 1;
                continue;
            }
            '0'..='9' | '.' if c != '.' || next.is_some_and(|n| n.is_ascii_digit()) => {
                while i < chars.len() && chars[i].is_ascii_digit() {
                    i += 1;
                }
                if chars.get(i) == Some(&'.') {
                    i += 1;
                    if !chars.get(i).is_some_and(char::is_ascii_digit) {
                        return error(i, "expected a digit after the decimal point".into());
                    }
                    while i < chars.len() && chars[i].is_ascii_digit() {
                        i += 1;
                    }
                }
                let text: String = chars[start..i].iter().collect();
                match parse_decimal(&text) {
                    Some(n) if n.is_finite() => Token::Number(n),
                    _ => return error(start, format!("number {text} is out of range")),
                }
            }
            '.' => {
                i += 1;
                Token::Dot
            }
            '\'' | '"' => {
                let Some(length) = chars[i + 1..].iter().position(|&q| q == c) else {
                    return error(start, "string is not closed".into());
                };
                let text = chars[i + 1..i + 1 + length].iter().collect();
                i += length + 2;
                Token::Text(text)
            }
            '$' => {
                if next != Some('{') {
                    return error(start, "expected '{' after '$' (write ${field})".into());
                }
                let Some(length) = chars[i + 2..].iter().position(|&q| q == '}') else {
                    return error(start, "field reference is not closed with '}'".into());
                };
                let inside: String = chars[i + 2..i + 2 + length].iter().collect();
                let mut parts = inside.split('.');
                let code = parts.next().unwrap_or("").to_owned();
                let column = parts.next().map(str::to_owned);
                let well_formed = parts.next().is_none()
                    && !code.is_empty()
                    && code.chars().all(is_name_char)
                    && column
                        .as_ref()
                        .is_none_or(|col| !col.is_empty() && col.chars().all(is_name_char));
                if !well_formed {
                    return error(
                        start,
                        format!(
                            "{inside:?} is not a field code (letters, digits and '_', optionally repeat.column)"
                        ),
                    );
                }
                i += length + 3;
                Token::Field(FieldRef { code, column })
            }
            _ if c.is_ascii_alphabetic() || c == '_' => {
                while i < chars.len() && is_name_char(chars[i]) {
                    i += 1;
                }
                Token::Name(chars[start..i].iter().collect())
            }
            '(' | ')' | ',' | '+' | '-' | '*' | '/' | '=' => {
                i += 1;
                match c {
                    '(' => Token::Open,
                    ')' => Token::Close,
                    ',' => Token::Comma,
                    '+' => Token::Plus,
                    '-' => Token::Minus,
                    '*' => Token::Star,
                    '/' => Token::Slash,
                    _ => Token::Compare(BinaryOp::Eq),
                }
            }
            '!' | '<' | '>' => {
                let with_equals = next == Some('=');
                i += if with_equals { 2 } else { 1 };
                Token::Compare(match (c, with_equals) {
                    ('!', true) => BinaryOp::Ne,
                    ('<', true) => BinaryOp::Le,
                    ('<', false) => BinaryOp::Lt,
                    ('>', true) => BinaryOp::Ge,
                    ('>', false) => BinaryOp::Gt,
                    _ => return error(start, "use 'not' or '!=' instead of '!'".into()),
                })
            }
            _ => return error(start, format!("unexpected character {c:?}")),
        };
        tokens.push((token, start));
    }
    Ok(tokens)
}

// --------------------------------------------------------------- parsing --

struct Parser {
    tokens: Vec<(Token, usize)>,
    at: usize,
    depth: usize,
    /// The position reported for "unexpected end": just past the last character.
    end: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.at).map(|(token, _)| token)
    }

    fn position(&self) -> usize {
        self.tokens.get(self.at).map_or(self.end, |(_, at)| *at)
    }

    fn fail<T>(&self, message: impl Into<String>) -> Result<T, ParseError> {
        Err(ParseError {
            position: self.position(),
            message: message.into(),
        })
    }

    fn is_name(&self, name: &str) -> bool {
        matches!(self.peek(), Some(Token::Name(n)) if n == name)
    }

    fn expect(&mut self, token: Token, what: &str) -> Result<(), ParseError> {
        if self.peek() == Some(&token) {
            self.at += 1;
            Ok(())
        } else {
            let found = self.peek().map_or("the end".to_owned(), Token::describe);
            self.fail(format!("expected {what}, found {found}"))
        }
    }

    /// Guards every recursive step so a hostile expression cannot overflow
    /// the stack, which in wasm would abort the whole app.
    fn nested<T>(
        &mut self,
        step: impl FnOnce(&mut Parser) -> Result<T, ParseError>,
    ) -> Result<T, ParseError> {
        if self.depth >= MAX_NESTING {
            return self.fail(format!("nested more than {MAX_NESTING} levels deep"));
        }
        self.depth += 1;
        let result = step(self);
        self.depth -= 1;
        result
    }

    fn expr(&mut self) -> Result<Node, ParseError> {
        self.nested(Parser::or)
    }

    fn or(&mut self) -> Result<Node, ParseError> {
        let mut left = self.and()?;
        while self.is_name("or") {
            self.at += 1;
            let right = self.and()?;
            left = Node::Binary(BinaryOp::Or, Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn and(&mut self) -> Result<Node, ParseError> {
        let mut left = self.not()?;
        while self.is_name("and") {
            self.at += 1;
            let right = self.not()?;
            left = Node::Binary(BinaryOp::And, Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn not(&mut self) -> Result<Node, ParseError> {
        // `not(...)` is also accepted, as in ODK, because `(...)` is a primary.
        if self.is_name("not") {
            self.at += 1;
            let inner = self.nested(Parser::not)?;
            return Ok(Node::Not(Box::new(inner)));
        }
        self.compare()
    }

    fn compare(&mut self) -> Result<Node, ParseError> {
        let left = self.sum()?;
        if let Some(Token::Compare(op)) = self.peek() {
            let op = *op;
            self.at += 1;
            let right = self.sum()?;
            return Ok(Node::Binary(op, Box::new(left), Box::new(right)));
        }
        Ok(left)
    }

    fn sum(&mut self) -> Result<Node, ParseError> {
        let mut left = self.product()?;
        loop {
            let op = match self.peek() {
                Some(Token::Plus) => BinaryOp::Add,
                Some(Token::Minus) => BinaryOp::Sub,
                _ => return Ok(left),
            };
            self.at += 1;
            let right = self.product()?;
            left = Node::Binary(op, Box::new(left), Box::new(right));
        }
    }

    fn product(&mut self) -> Result<Node, ParseError> {
        let mut left = self.unary()?;
        loop {
            let op = match self.peek() {
                Some(Token::Star) => BinaryOp::Mul,
                Some(Token::Slash) => BinaryOp::Div,
                _ => return Ok(left),
            };
            self.at += 1;
            let right = self.unary()?;
            left = Node::Binary(op, Box::new(left), Box::new(right));
        }
    }

    fn unary(&mut self) -> Result<Node, ParseError> {
        if self.peek() == Some(&Token::Minus) {
            self.at += 1;
            let inner = self.nested(Parser::unary)?;
            return Ok(Node::Negate(Box::new(inner)));
        }
        self.primary()
    }

    fn primary(&mut self) -> Result<Node, ParseError> {
        let Some((token, _)) = self.tokens.get(self.at).cloned() else {
            return self.fail("expression ends too early");
        };
        self.at += 1;
        match token {
            Token::Number(n) => Ok(Node::Literal(Value::Number(n))),
            Token::Text(s) => Ok(Node::Literal(Value::Text(s))),
            Token::Field(field) => Ok(Node::Field(field)),
            Token::Dot => Ok(Node::Current),
            Token::Open => {
                let inner = self.expr()?;
                self.expect(Token::Close, "')'")?;
                Ok(inner)
            }
            Token::Name(name) => match name.as_str() {
                "true" => Ok(Node::Literal(Value::Bool(true))),
                "false" => Ok(Node::Literal(Value::Bool(false))),
                "null" => Ok(Node::Literal(Value::Null)),
                "and" | "or" | "not" => {
                    self.at -= 1;
                    self.fail(format!("'{name}' needs a value before it"))
                }
                _ => self.call(&name),
            },
            other => {
                self.at -= 1;
                self.fail(format!("expected a value, found {}", other.describe()))
            }
        }
    }

    fn call(&mut self, name: &str) -> Result<Node, ParseError> {
        let name_position = self.tokens[self.at - 1].1;
        let Some(function) = Function::by_name(name) else {
            return Err(ParseError {
                position: name_position,
                message: format!(
                    "unknown function or name '{name}' (fields are written ${{{name}}})"
                ),
            });
        };
        self.expect(Token::Open, &format!("'(' after '{name}'"))?;
        let mut args = Vec::new();
        if self.peek() != Some(&Token::Close) {
            loop {
                args.push(self.expr()?);
                if self.peek() == Some(&Token::Comma) {
                    self.at += 1;
                } else {
                    break;
                }
            }
        }
        self.expect(Token::Close, "',' or ')'")?;
        if args.len() != function.arity() {
            return Err(ParseError {
                position: name_position,
                message: format!(
                    "'{name}' takes {} argument(s), not {}",
                    function.arity(),
                    args.len()
                ),
            });
        }
        Ok(Node::Call(function, args))
    }
}

// ------------------------------------------------------------ evaluation --

fn eval(node: &Node, context: &Context<'_>) -> Value {
    match node {
        Node::Literal(value) => value.clone(),
        Node::Current => context.current.map_or(Value::Null, Value::from_json),
        Node::Field(FieldRef { code, column: None }) => {
            context.lookup(code).map_or(Value::Null, Value::from_json)
        }
        Node::Field(FieldRef {
            code,
            column: Some(column),
        }) => match context.lookup(code) {
            Some(Json::Array(rows)) => Value::List(
                rows.iter()
                    .map(|row| row.get(column).map_or(Value::Null, Value::from_json))
                    .collect(),
            ),
            _ => Value::List(Vec::new()),
        },
        Node::Not(inner) => Value::Bool(!eval(inner, context).is_truthy()),
        Node::Negate(inner) => match eval(inner, context).as_number() {
            Some(n) => number(-n),
            None => Value::Null,
        },
        Node::Binary(BinaryOp::And, left, right) => {
            Value::Bool(eval(left, context).is_truthy() && eval(right, context).is_truthy())
        }
        Node::Binary(BinaryOp::Or, left, right) => {
            Value::Bool(eval(left, context).is_truthy() || eval(right, context).is_truthy())
        }
        Node::Binary(op, left, right) => binary(*op, eval(left, context), eval(right, context)),
        Node::Call(function, args) => call(*function, args, context),
    }
}

fn binary(op: BinaryOp, left: Value, right: Value) -> Value {
    match op {
        BinaryOp::Eq => Value::Bool(equal(&left, &right)),
        BinaryOp::Ne => Value::Bool(!equal(&left, &right)),
        BinaryOp::Lt | BinaryOp::Le | BinaryOp::Gt | BinaryOp::Ge => {
            // Ordering against a missing answer is unknown, not false, so a
            // constraint waiting for another field does not fail; the missing
            // field is reported on its own, once.
            if left.is_empty() || right.is_empty() {
                return Value::Null;
            }
            let Some(order) = order(&left, &right) else {
                return Value::Bool(false);
            };
            Value::Bool(match op {
                BinaryOp::Lt => order.is_lt(),
                BinaryOp::Le => order.is_le(),
                BinaryOp::Gt => order.is_gt(),
                _ => order.is_ge(),
            })
        }
        _ => arithmetic(op, &left, &right),
    }
}

/// Dates move by whole days: a date plus or minus a number is a date, and
/// the difference of two dates is a number of days.
fn arithmetic(op: BinaryOp, left: &Value, right: &Value) -> Value {
    let is_date = |v: &Value| {
        matches!(v, Value::Date(_)) || (matches!(v, Value::Text(_)) && v.as_date().is_some())
    };
    if is_date(left) || is_date(right) {
        let shift = |date: Date, days: f64| {
            if days.fract() != 0.0 || days.abs() > 4_000_000.0 {
                return Value::Null;
            }
            date.add_days(days as i64).map_or(Value::Null, Value::Date)
        };
        return match (op, left.as_date(), right.as_date()) {
            (BinaryOp::Sub, Some(a), Some(b)) => Value::Number((a.to_days() - b.to_days()) as f64),
            (BinaryOp::Add, Some(a), None) => {
                right.as_number().map_or(Value::Null, |n| shift(a, n))
            }
            (BinaryOp::Add, None, Some(b)) => left.as_number().map_or(Value::Null, |n| shift(b, n)),
            (BinaryOp::Sub, Some(a), None) => {
                right.as_number().map_or(Value::Null, |n| shift(a, -n))
            }
            _ => Value::Null,
        };
    }
    let (Some(a), Some(b)) = (left.as_number(), right.as_number()) else {
        return Value::Null;
    };
    match op {
        BinaryOp::Add => number(a + b),
        BinaryOp::Sub => number(a - b),
        BinaryOp::Mul => number(a * b),
        _ if b == 0.0 => Value::Null,
        _ => number(a / b),
    }
}

/// Equality as form authors expect it: a missing answer equals the empty
/// string, and a number equals the text of that number (select codes are
/// text, counts are numbers).
fn equal(left: &Value, right: &Value) -> bool {
    if left.is_empty() || right.is_empty() {
        return left.is_empty() && right.is_empty();
    }
    match (left, right) {
        (Value::List(a), Value::List(b)) => {
            a.len() == b.len() && a.iter().zip(b).all(|(x, y)| equal(x, y))
        }
        (Value::Bool(a), Value::Bool(b)) => a == b,
        (Value::Text(a), Value::Text(b)) => a == b,
        _ => order(left, right).is_some_and(|o| o.is_eq()),
    }
}

fn order(left: &Value, right: &Value) -> Option<std::cmp::Ordering> {
    match (left, right) {
        (Value::Null, _) | (_, Value::Null) => None,
        (Value::Text(a), Value::Text(b)) => Some(a.cmp(b)),
        (Value::Date(_), _) | (_, Value::Date(_)) => Some(left.as_date()?.cmp(&right.as_date()?)),
        (Value::List(_), _) | (_, Value::List(_)) => None,
        _ => left.as_number()?.partial_cmp(&right.as_number()?),
    }
}

fn call(function: Function, args: &[Node], context: &Context<'_>) -> Value {
    let arg = |i: usize| args.get(i).map_or(Value::Null, |node| eval(node, context));
    match function {
        Function::If => {
            if arg(0).is_truthy() {
                arg(1)
            } else {
                arg(2)
            }
        }
        Function::Length => match arg(0) {
            Value::Null => Value::Number(0.0),
            Value::Text(s) => Value::Number(s.chars().count() as f64),
            Value::List(items) => Value::Number(items.len() as f64),
            _ => Value::Null,
        },
        Function::Selected => {
            let code = arg(1);
            Value::Bool(match arg(0) {
                Value::List(items) => items.iter().any(|item| equal(item, &code)),
                value @ Value::Text(_) => equal(&value, &code),
                _ => false,
            })
        }
        Function::Count => match arg(0) {
            Value::Null => Value::Number(0.0),
            Value::List(items) => Value::Number(items.len() as f64),
            _ => Value::Number(1.0),
        },
        Function::Sum => {
            let items = match arg(0) {
                Value::List(items) => items,
                other => vec![other],
            };
            let mut total = 0.0;
            for item in &items {
                match item {
                    Value::Null => {}
                    other => match other.as_number() {
                        Some(n) => total += n,
                        None => return Value::Null,
                    },
                }
            }
            number(total)
        }
        Function::Today => Value::Date(context.today),
        Function::Year | Function::Month | Function::Day => match arg(0).as_date() {
            Some(date) => Value::Number(f64::from(match function {
                Function::Year => date.year(),
                Function::Month => i32::from(date.month()),
                _ => i32::from(date.day()),
            })),
            None => Value::Null,
        },
        Function::Number => arg(0).as_number().map_or(Value::Null, Value::Number),
        Function::Coalesce => {
            let first = arg(0);
            if first.is_empty() { arg(1) } else { first }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn today() -> Date {
        Date::parse("2025-06-15").unwrap()
    }

    fn answers() -> Answers {
        let json = json!({
            "umur": 34,
            "nama": "Siti",
            "jenis": "banjir",
            "bantuan": ["air", "makanan"],
            "tanggal": "2025-06-10",
            "ada_korban": true,
            "kosong": "",
            "korban": [
                {"nama_korban": "A", "usia": 3},
                {"nama_korban": "B", "usia": 70},
                {"nama_korban": "C"}
            ]
        });
        serde_json::from_value(json).unwrap()
    }

    fn eval_str(source: &str) -> Value {
        let answers = answers();
        let current = json!(7);
        let context = Context {
            current: Some(&current),
            ..Context::new(&answers, today())
        };
        Expr::parse(source)
            .unwrap_or_else(|e| panic!("{source:?}: {e}"))
            .evaluate(&context)
    }

    #[test]
    fn expressions_evaluate_like_odk_over_answers() {
        fn check(source: &str, expect: Value) {
            assert_eq!(eval_str(source), expect, "{source:?}");
        }
        use Value::{Bool, Null, Number, Text};
        check("1 + 2 * 3", Number(7.0));
        check("(1 + 2) * 3", Number(9.0));
        check("10 - 4 - 3", Number(3.0));
        check("7 / 2", Number(3.5));
        check("1 / 0", Null);
        check("-${umur} + 1", Number(-33.0));
        check("- -2", Number(2.0));
        check(".5 + .", Number(7.5));
        check("${umur} >= 17 and ${umur} < 60", Bool(true));
        check("${umur} > 60 or ${nama} = 'Siti'", Bool(true));
        check("not(${ada_korban})", Bool(false));
        // `not` binds looser than `=`, as in most languages.
        check("not ${ada_korban} = false", Bool(true));
        check("${jenis} != \"banjir\"", Bool(false));
        check("${tidak_ada} = ''", Bool(true));
        check("${kosong} = ${tidak_ada}", Bool(true));
        check("${tidak_ada} > 0", Null);
        check("${tidak_ada} + 1", Null);
        check("'5' = 5", Bool(true));
        check("if(${umur} > 17, 'dewasa', 'anak')", Text("dewasa".into()));
        check("if(${tidak_ada}, 1, 2)", Number(2.0));
        check("length(${nama})", Number(4.0));
        check("length('Sulawési')", Number(8.0));
        check("length(${tidak_ada})", Number(0.0));
        check("selected(${bantuan}, 'air')", Bool(true));
        check("selected(${bantuan}, 'obat')", Bool(false));
        check("selected(${jenis}, 'banjir')", Bool(true));
        check("count(${korban})", Number(3.0));
        check("count(${bantuan})", Number(2.0));
        check("count(${tidak_ada})", Number(0.0));
        check("sum(${korban.usia})", Number(73.0));
        check("sum(${korban.nama_korban})", Null);
        check("sum(${tidak_ada.x})", Number(0.0));
        check("today()", Value::Date(today()));
        check("${tanggal} <= today()", Bool(true));
        check("today() - ${tanggal}", Number(5.0));
        check("${tanggal} + 30 > today()", Bool(true));
        check(
            "${tanggal} - 1",
            Value::Date(Date::parse("2025-06-09").unwrap()),
        );
        check("${tanggal} > '2025-06-01'", Bool(true));
        check("year(today()) * 12 + month(today())", Number(24_306.0));
        check("day(${tanggal})", Number(10.0));
        check("year(${nama})", Null);
        check("number('12') + 1", Number(13.0));
        check("number('dua')", Null);
        check("coalesce(${tidak_ada}, 0) + 1", Number(1.0));
        check("coalesce(${umur}, 0)", Number(34.0));
        check("true and null", Bool(false));
        check(". = 7", Bool(true));
    }

    #[test]
    fn inside_a_repeat_row_fields_are_looked_up_in_the_row_first() {
        let answers = answers();
        let row: Answers = serde_json::from_value(json!({"usia": 3, "umur": 5})).unwrap();
        let context = Context {
            row: Some(&row),
            ..Context::new(&answers, today())
        };
        let value = |source: &str| Expr::parse(source).unwrap().evaluate(&context);
        assert_eq!(value("${umur} + ${usia}"), Value::Number(8.0));
        assert_eq!(value("${nama}"), Value::Text("Siti".into()));
    }

    #[test]
    fn parse_errors_say_where_and_what() {
        fn check(source: &str, position: usize, fragment: &str) {
            let error = Expr::parse(source).expect_err(source);
            assert_eq!(error.position, position, "{source:?}: {error}");
            assert!(
                error.message.contains(fragment),
                "{source:?}: {} lacks {fragment:?}",
                error.message
            );
        }
        check("", 0, "ends too early");
        check("1 +", 3, "ends too early");
        check("(1 + 2", 6, "expected ')'");
        check("${umur} > ", 10, "ends too early");
        check("'abc", 0, "not closed");
        check("${umur", 0, "not closed");
        check("$umur", 0, "expected '{'");
        check("${umur-2}", 0, "not a field code");
        check("${a.b.c}", 0, "not a field code");
        check("umur > 3", 0, "unknown function or name 'umur'");
        check("foo(1)", 0, "unknown function");
        check("if(1, 2)", 0, "takes 3 argument(s), not 2");
        check("today(1)", 0, "takes 0");
        check("1 < 2 < 3", 6, "cannot be chained");
        check("1 2", 2, "unexpected a number");
        check("1 # 2", 2, "unexpected character '#'");
        check("! ${a}", 0, "use 'not'");
        check("1.", 2, "digit after the decimal point");
        check("and 1", 0, "needs a value");
        check("1 + , 2", 4, "expected a value");
        check("é = 1", 0, "unexpected character");
        check(&"(".repeat(40), 32, "nested more than 32");
        check(&"not ".repeat(40), 128, "nested more than 32");
        check(&"1+".repeat(600), 1000, "longer than 1000");
    }

    #[test]
    fn expressions_serialize_as_their_source() {
        let expr = Expr::parse("${a}  + 1").unwrap();
        assert_eq!(serde_json::to_string(&expr).unwrap(), r#""${a}  + 1""#);
        let back: Expr = serde_json::from_str(r#""${a}  + 1""#).unwrap();
        assert_eq!(back, expr);
        let error = serde_json::from_str::<Expr>(r#""${a} +""#).unwrap_err();
        assert!(error.to_string().contains("at character 7"), "{error}");
        assert_eq!(
            Expr::parse("sum(${r.c}) + ${a}").unwrap().references(),
            vec![
                FieldRef {
                    code: "r".into(),
                    column: Some("c".into())
                },
                FieldRef {
                    code: "a".into(),
                    column: None
                }
            ]
        );
    }

    /// A xorshift generator: deterministic, so a failure reproduces, and
    /// needs no dependency, so the same test also runs in the browser.
    struct Xorshift(u64);

    impl Xorshift {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }
    }

    #[test]
    fn no_input_makes_the_parser_or_evaluator_panic() {
        // Mostly pieces of the language, so many inputs get deep into the
        // parser, plus arbitrary characters and raw Unicode.
        const PIECES: &[&str] = &[
            "(",
            ")",
            "${a}",
            "${korban.usia}",
            "${",
            "}",
            ".",
            "1",
            "2.5",
            "0",
            "'x'",
            "\"",
            "'",
            "+",
            "-",
            "*",
            "/",
            "=",
            "!=",
            "<",
            "<=",
            ">",
            ">=",
            "and",
            "or",
            "not",
            "if(",
            "length(",
            "selected(",
            "count(",
            "sum(",
            "today()",
            "year(",
            "number(",
            "coalesce(",
            ",",
            " ",
            "true",
            "null",
            "$",
            "é",
            "\u{0}",
            "\u{1F600}",
            "9999999999999999999999",
            "${tanggal}",
            "-",
            "not(",
        ];
        let answers = answers();
        let context = Context::new(&answers, today());
        let mut random = Xorshift(0x5eed_cafe_f00d_d00d);
        let mut parsed = 0;
        for _ in 0..20_000 {
            let mut source = String::new();
            for _ in 0..random.next() % 10 {
                if random.next().is_multiple_of(10) {
                    let c = char::from_u32((random.next() % 0x11_0000) as u32).unwrap_or('?');
                    source.push(c);
                } else {
                    source.push_str(PIECES[(random.next() % PIECES.len() as u64) as usize]);
                }
            }
            match Expr::parse(&source) {
                Ok(expr) => {
                    parsed += 1;
                    expr.evaluate(&context);
                    assert_eq!(Expr::parse(expr.source()).as_ref(), Ok(&expr));
                }
                Err(error) => assert!(error.position <= source.chars().count(), "{source:?}"),
            }
        }
        assert!(
            parsed > 500,
            "only {parsed} inputs parsed; the generator is too noisy"
        );
    }
}
