/** The grammar: one parser method per rule, producing a concrete syntax tree (see to-ast.ts for the AST). */
import { CstParser, EOF, type IParserErrorMessageProvider, type IToken, type TokenType } from 'chevrotain';
import * as T from './lexer.js';

const show = (t: IToken): string => (t.tokenType === EOF ? 'end of expression' : `'${t.image}'`);
const label = (t: TokenType): string => t.LABEL ?? t.name;

const messages: IParserErrorMessageProvider = {
  buildMismatchTokenMessage: ({ expected, actual }) => `expected ${label(expected)} but found ${show(actual)}`,
  buildNotAllInputParsedMessage: ({ firstRedundant }) => `unexpected ${show(firstRedundant)}`,
  buildNoViableAltMessage: ({ actual, ruleName }) =>
    `unexpected ${show(actual[0])}${ruleName === 'primary' || ruleName === 'unary' ? ' (expected a value: a number, a name, a call, a set or a hook)' : ''}`,
  buildEarlyExitMessage: ({ actual }) => `unexpected ${show(actual[0])}`,
};

export class ExprParser extends CstParser {
  constructor() {
    super(T.allTokens, { maxLookahead: 3, errorMessageProvider: messages });
    this.performSelfAnalysis();
  }

  expression = this.RULE('expression', () => {
    this.SUBRULE(this.orExpr);
  });

  orExpr = this.RULE('orExpr', () => {
    this.SUBRULE(this.andExpr);
    this.MANY(() => {
      this.CONSUME(T.Or);
      this.SUBRULE2(this.andExpr);
    });
  });

  andExpr = this.RULE('andExpr', () => {
    this.SUBRULE(this.notExpr);
    this.MANY(() => {
      this.CONSUME(T.And);
      this.SUBRULE2(this.notExpr);
    });
  });

  notExpr = this.RULE('notExpr', () => {
    this.OR([
      { ALT: () => { this.CONSUME(T.Not); this.SUBRULE(this.notExpr); } },
      { ALT: () => this.SUBRULE(this.comparison) },
    ]);
  });

  comparison = this.RULE('comparison', () => {
    this.SUBRULE(this.unary);
    this.OPTION(() => {
      this.OR([
        { ALT: () => this.CONSUME(T.EqEq) },
        { ALT: () => this.CONSUME(T.NotEq) },
        { ALT: () => this.CONSUME(T.LtEq) },
        { ALT: () => this.CONSUME(T.GtEq) },
        { ALT: () => this.CONSUME(T.Lt) },
        { ALT: () => this.CONSUME(T.Gt) },
        { ALT: () => this.CONSUME(T.In) },
      ]);
      this.SUBRULE2(this.unary);
      this.OPTION2(() => {
        this.CONSUME(T.PlusMinus);
        this.CONSUME(T.NumberLit);
        this.OPTION3(() => this.CONSUME(T.Percent));
      });
    });
  });

  unary = this.RULE('unary', () => {
    this.OR([
      { ALT: () => { this.CONSUME(T.Minus); this.SUBRULE(this.unary); } },
      { ALT: () => this.SUBRULE(this.primary) },
    ]);
  });

  primary = this.RULE('primary', () => {
    this.OR([
      { ALT: () => this.SUBRULE(this.numberLit) },
      { ALT: () => this.CONSUME(T.StringLit) },
      { ALT: () => this.SUBRULE(this.set) },
      { ALT: () => this.SUBRULE(this.range) },
      { ALT: () => this.SUBRULE(this.site) },
      { ALT: () => this.SUBRULE(this.callOrName) },
      { ALT: () => this.SUBRULE(this.headsCall) },
      { ALT: () => { this.CONSUME(T.LParen); this.SUBRULE(this.expression); this.CONSUME(T.RParen); } },
    ]);
  });

  numberLit = this.RULE('numberLit', () => {
    this.CONSUME(T.NumberLit);
    this.OPTION(() => this.CONSUME(T.Percent));
  });

  set = this.RULE('set', () => {
    this.CONSUME(T.LBrace);
    this.MANY_SEP({ SEP: T.Comma, DEF: () => this.SUBRULE(this.setItem) });
    this.CONSUME(T.RBrace);
  });

  setItem = this.RULE('setItem', () => {
    this.OR([
      { ALT: () => this.CONSUME(T.NumberLit) },
      { ALT: () => this.SUBRULE(this.range) },
      { ALT: () => this.CONSUME(T.Identifier) },
      { ALT: () => this.CONSUME(T.StringLit) },
    ]);
  });

  range = this.RULE('range', () => {
    this.CONSUME(T.Layers);
    this.SUBRULE(this.rangeSpec);
    this.CONSUME(T.Heads);
    this.SUBRULE2(this.rangeSpec);
  });

  rangeSpec = this.RULE('rangeSpec', () => {
    this.OR([
      { ALT: () => this.CONSUME(T.Star) },
      {
        ALT: () => {
          this.CONSUME(T.NumberLit);
          this.OPTION(() => {
            this.CONSUME(T.DotDot);
            this.CONSUME2(T.NumberLit);
          });
        },
      },
    ]);
  });

  site = this.RULE('site', () => {
    this.CONSUME(T.HookName);
    this.OPTION(() => {
      this.CONSUME(T.LBracket);
      this.AT_LEAST_ONE_SEP({ SEP: T.Comma, DEF: () => this.SUBRULE(this.indexArg) });
      this.CONSUME(T.RBracket);
    });
  });

  indexArg = this.RULE('indexArg', () => {
    this.CONSUME(T.Identifier);
    this.CONSUME(T.Equals);
    this.OR([
      { ALT: () => this.CONSUME(T.NumberLit) },
      { ALT: () => this.CONSUME2(T.Identifier) },
      { ALT: () => this.CONSUME(T.Star) },
    ]);
  });

  callOrName = this.RULE('callOrName', () => {
    this.CONSUME(T.Identifier);
    this.OPTION(() => this.SUBRULE(this.argList));
  });

  headsCall = this.RULE('headsCall', () => {
    this.CONSUME(T.Heads);
    this.SUBRULE(this.argList);
  });

  argList = this.RULE('argList', () => {
    this.CONSUME(T.LParen);
    this.MANY_SEP({ SEP: T.Comma, DEF: () => this.SUBRULE(this.arg) });
    this.CONSUME(T.RParen);
  });

  arg = this.RULE('arg', () => {
    this.OPTION(() => {
      this.CONSUME(T.Identifier);
      this.CONSUME(T.Equals);
    });
    this.SUBRULE(this.expression);
  });
}

/** One parser instance (chevrotain parsers are reusable: set `input`, call a rule). */
export const exprParser = new ExprParser();
