/* soql.c: the SOQL that query jobs take: SELECT fields FROM object [WHERE] [ORDER BY] [LIMIT].
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ealloc.h"
#include "sfid.h"
#include "sim.h"

enum tok {
	TK_END,
	TK_IDENT,
	TK_STRING,
	TK_NUMBER,
	TK_DATETIME,
	TK_DATE,
	TK_COMMA,
	TK_LPAREN,
	TK_RPAREN,
	TK_OP
};
enum op { OP_EQ, OP_NE, OP_LT, OP_LE, OP_GT, OP_GE };

struct token {
	enum tok kind;
	const char *p; /* where it is in the query */
	size_t n;
	char *text; /* a string literal's value, decoded */
	enum op op;
};

enum lit_kind { L_NULL, L_STRING, L_NUMBER, L_BOOL, L_DATETIME, L_DATE };

struct lit {
	enum lit_kind kind;
	char *s; /* L_STRING, L_DATE; ids in their 18-character form */
	double d;
	long long ms;
	int b;
};

enum node_kind { N_AND, N_OR, N_NOT, N_CMP, N_IN, N_LIKE };

struct node {
	enum node_kind kind;
	struct node *a, *b;
	long field;
	enum op op;
	int negate; /* NOT IN */
	struct lit *lits;
	size_t nlits;
};

struct order {
	long field;
	int desc, nulls_last;
};

struct soql {
	struct sobject *o;
	long *fields; /* the SELECT list */
	char **names; /* as it spells them */
	size_t nfields;
	struct node *where;
	struct order *order;
	size_t norder;
	long limit; /* -1: none */
};

struct parser {
	struct token *t;
	size_t n, i;
	struct sobject *o;
	struct answer *a;
	int failed;
};

static void
malformed(struct parser *p, const struct token *t)
{
	if (p->failed)
		return;
	p->failed = 1;
	if (t->kind == TK_END)
		answer_error(p->a, 400, "MALFORMED_QUERY", "unexpected end of query");
	else
		answer_error(p->a, 400, "MALFORMED_QUERY", "unexpected token: '%.*s'",
		    (int)(t->n > 60 ? 60 : t->n), t->p);
}

static void
no_such_column(struct parser *p, const char *name, size_t n)
{
	if (p->failed)
		return;
	p->failed = 1;
	answer_error(p->a, 400, "INVALID_FIELD",
	    "No such column '%.*s' on entity '%s'. If you are attempting to use a custom field, "
	    "be sure to append the '__c' after the custom field name. Please reference your "
	    "WSDL or the describe call for the appropriate names.",
	    (int)(n > 80 ? 80 : n), name, p->o->name);
}

static int
is_ident_start(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
}

static int
is_ident(char c)
{
	return is_ident_start(c) || (c >= '0' && c <= '9') || c == '.';
}

/* Splits the query into tokens; 0, or -1 with the answer set. */
static int
tokenize(struct parser *p, const char *s)
{
	size_t cap = 16, j;
	struct token *t;
	char *end, *out;

	p->t = ecalloc(cap, sizeof *p->t);
	for (;;) {
		while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
			s++;
		if (p->n + 1 >= cap) {
			cap *= 2;
			p->t = erealloc(p->t, cap * sizeof *p->t);
		}
		t = &p->t[p->n++];
		memset(t, 0, sizeof *t);
		t->p = s;
		if (*s == '\0') {
			t->kind = TK_END;
			return 0;
		}
		if (is_ident_start(*s)) {
			while (is_ident(s[t->n]))
				t->n++;
			t->kind = TK_IDENT;
		} else if (*s == '\'') {
			out = t->text = emalloc(strlen(s));
			for (j = 1; s[j] != '\0' && s[j] != '\''; j++) {
				if (s[j] == '\\' && s[j + 1] != '\0') {
					j++;
					*out++ = s[j] == 'n'   ? '\n'
					         : s[j] == 't' ? '\t'
					         : s[j] == 'r' ? '\r'
					                       : s[j];
				} else
					*out++ = s[j];
			}
			*out = '\0';
			if (s[j] != '\'') {
				t->n = j;
				malformed(p, t);
				return -1;
			}
			t->n = j + 1;
			t->kind = TK_STRING;
		} else if ((*s >= '0' && *s <= '9') || ((*s == '-' || *s == '+' || *s == '.') &&
		                                           s[1] >= '0' && s[1] <= '9')) {
			long long ms;

			for (t->n = 1; is_ident(s[t->n]) || s[t->n] == ':' || s[t->n] == '+' ||
			               s[t->n] == '-';
			     t->n++)
				;
			if (stamp_parse(s, t->n, 1, &ms) == 0)
				t->kind = TK_DATETIME;
			else if (date_parse(s, t->n) == 0)
				t->kind = TK_DATE;
			else {
				strtod(s, &end);
				if (end != s + t->n) {
					malformed(p, t);
					return -1;
				}
				t->kind = TK_NUMBER;
			}
		} else if (*s == ',' || *s == '(' || *s == ')') {
			t->n = 1;
			t->kind = *s == ',' ? TK_COMMA : *s == '(' ? TK_LPAREN : TK_RPAREN;
		} else if (*s == '=' || *s == '<' || *s == '>' || (*s == '!' && s[1] == '=')) {
			t->kind = TK_OP;
			t->n = 1;
			if (*s == '=')
				t->op = OP_EQ;
			else if (*s == '!')
				t->op = OP_NE, t->n = 2;
			else if (s[0] == '<' && s[1] == '>')
				t->op = OP_NE, t->n = 2;
			else if (s[1] == '=')
				t->op = *s == '<' ? OP_LE : OP_GE, t->n = 2;
			else
				t->op = *s == '<' ? OP_LT : OP_GT;
		} else {
			t->n = 1;
			malformed(p, t);
			return -1;
		}
		s += t->n;
	}
}

static struct token *
peek(struct parser *p)
{
	return &p->t[p->i];
}

static int
is_word(const struct token *t, const char *word)
{
	return t->kind == TK_IDENT && t->n == strlen(word) &&
	       strncasecmp(t->p, word, t->n) == 0;
}

/* Takes the keyword if it comes next. */
static int
accept(struct parser *p, const char *word)
{
	if (!is_word(peek(p), word))
		return 0;
	p->i++;
	return 1;
}

static int
expect(struct parser *p, const char *word)
{
	if (accept(p, word))
		return 1;
	malformed(p, peek(p));
	return 0;
}

/* A field of the object by its token, or -1 (the answer set). */
static long
field_of(struct parser *p, const struct token *t)
{
	char name[128];
	long f = -1;

	if (t->kind != TK_IDENT) {
		malformed(p, t);
		return -1;
	}
	if (t->n < sizeof name) {
		memcpy(name, t->p, t->n);
		name[t->n] = '\0';
		f = store_field(p->o, name);
	}
	if (f < 0)
		no_such_column(p, t->p, t->n);
	return f;
}

static const char *
type_word(enum ftype type)
{
	switch (type) {
	case T_DATETIME: return "dateTime";
	case T_DATE: return "date";
	case T_BOOLEAN: return "boolean";
	case T_DOUBLE:
	case T_CURRENCY:
	case T_PERCENT: return "double";
	case T_INT: return "int";
	default: return "string";
	}
}

static int
is_numeric(enum ftype type)
{
	return type == T_DOUBLE || type == T_CURRENCY || type == T_PERCENT || type == T_INT;
}

/* The literal that comes next, checked against the field's type; 0 or -1. */
static int
literal(struct parser *p, long field, struct lit *l)
{
	const struct field *f = &p->o->fields[field];
	struct token *t = peek(p);
	enum lit_kind want;
	char id[SFID_LEN + 1], why[SFID_WHY_SIZE];

	memset(l, 0, sizeof *l);
	if (t->kind == TK_IDENT && (is_word(t, "null"))) {
		p->i++;
		l->kind = L_NULL;
		return 0;
	}
	switch (t->kind) {
	case TK_STRING: l->kind = L_STRING; break;
	case TK_NUMBER: l->kind = L_NUMBER; break;
	case TK_DATETIME: l->kind = L_DATETIME; break;
	case TK_DATE: l->kind = L_DATE; break;
	case TK_IDENT:
		if (is_word(t, "true") || is_word(t, "false")) {
			l->kind = L_BOOL;
			break;
		}
		/* fall through */
	default: malformed(p, t); return -1;
	}
	want = f->type == T_DATETIME  ? L_DATETIME
	       : f->type == T_DATE    ? L_DATE
	       : f->type == T_BOOLEAN ? L_BOOL
	       : is_numeric(f->type)  ? L_NUMBER
	                              : L_STRING;
	if (l->kind != want) {
		p->failed = 1;
		answer_error(p->a, 400, "INVALID_FIELD",
		    "value of filter criterion for field '%s' must be of type %s and should %sbe "
		    "enclosed in quotes",
		    f->name, type_word(f->type), want == L_STRING ? "" : "not ");
		return -1;
	}
	p->i++;
	switch (l->kind) {
	case L_STRING:
		if ((f->type == T_ID || f->type == T_REFERENCE) &&
		    sfid_normalize(t->text, strlen(t->text), id, why) <= SFID_REPAIRED)
			l->s = estrdup(id);
		else
			l->s = estrdup(t->text);
		break;
	case L_NUMBER: l->d = strtod(t->p, NULL); break;
	case L_DATETIME: stamp_parse(t->p, t->n, 1, &l->ms); break;
	case L_DATE:
		l->s = emalloc(t->n + 1);
		memcpy(l->s, t->p, t->n);
		l->s[t->n] = '\0';
		break;
	case L_BOOL: l->b = is_word(t, "true"); break;
	case L_NULL: break;
	}
	return 0;
}

static struct node *expression(struct parser *p);

static struct node *
new_node(enum node_kind kind)
{
	struct node *n = ecalloc(1, sizeof *n);

	n->kind = kind;
	return n;
}

static void
node_free(struct node *n)
{
	size_t i;

	if (n == NULL)
		return;
	node_free(n->a);
	node_free(n->b);
	for (i = 0; i < n->nlits; i++)
		free(n->lits[i].s);
	free(n->lits);
	free(n);
}

/* field op literal, field [NOT] IN (literal, ...), field LIKE 'pattern', (expression),
 * NOT condition. */
static struct node *
condition(struct parser *p)
{
	struct node *n;
	struct token *t;
	long field;

	if (accept(p, "NOT")) {
		n = new_node(N_NOT);
		if ((n->a = condition(p)) == NULL) {
			node_free(n);
			return NULL;
		}
		return n;
	}
	if (peek(p)->kind == TK_LPAREN) {
		p->i++;
		if ((n = expression(p)) == NULL)
			return NULL;
		if (peek(p)->kind != TK_RPAREN) {
			malformed(p, peek(p));
			node_free(n);
			return NULL;
		}
		p->i++;
		return n;
	}
	if ((field = field_of(p, peek(p))) < 0)
		return NULL;
	p->i++;
	t = peek(p);
	if (t->kind == TK_OP) {
		p->i++;
		n = new_node(N_CMP);
		n->field = field;
		n->op = t->op;
		n->lits = ecalloc(1, sizeof *n->lits);
		n->nlits = 1;
		if (literal(p, field, &n->lits[0]) != 0) {
			node_free(n);
			return NULL;
		}
		if (n->lits[0].kind == L_NULL && n->op != OP_EQ && n->op != OP_NE) {
			malformed(p, &p->t[p->i - 1]);
			node_free(n);
			return NULL;
		}
		if (n->lits[0].kind == L_BOOL && n->op != OP_EQ && n->op != OP_NE) {
			malformed(p, t);
			node_free(n);
			return NULL;
		}
		return n;
	}
	if (is_word(t, "LIKE")) {
		p->i++;
		n = new_node(N_LIKE);
		n->field = field;
		n->lits = ecalloc(1, sizeof *n->lits);
		n->nlits = 1;
		if (peek(p)->kind != TK_STRING || literal(p, field, &n->lits[0]) != 0) {
			malformed(p, peek(p));
			node_free(n);
			return NULL;
		}
		return n;
	}
	n = new_node(N_IN);
	n->field = field;
	n->negate = accept(p, "NOT");
	if (!expect(p, "IN") || peek(p)->kind != TK_LPAREN) {
		malformed(p, peek(p));
		node_free(n);
		return NULL;
	}
	p->i++;
	for (;;) {
		n->lits = erealloc(n->lits, (n->nlits + 1) * sizeof *n->lits);
		if (literal(p, field, &n->lits[n->nlits]) != 0) {
			node_free(n);
			return NULL;
		}
		n->nlits++;
		if (peek(p)->kind == TK_RPAREN)
			break;
		if (peek(p)->kind != TK_COMMA) {
			malformed(p, peek(p));
			node_free(n);
			return NULL;
		}
		p->i++;
	}
	p->i++;
	return n;
}

/* condition {AND condition}: AND binds before OR, as in SOQL. */
static struct node *
conjunction(struct parser *p)
{
	struct node *n = condition(p), *both;

	while (n != NULL && accept(p, "AND")) {
		both = new_node(N_AND);
		both->a = n;
		if ((both->b = condition(p)) == NULL) {
			node_free(both);
			return NULL;
		}
		n = both;
	}
	return n;
}

static struct node *
expression(struct parser *p)
{
	struct node *n = conjunction(p), *either;

	while (n != NULL && accept(p, "OR")) {
		either = new_node(N_OR);
		either->a = n;
		if ((either->b = conjunction(p)) == NULL) {
			node_free(either);
			return NULL;
		}
		n = either;
	}
	return n;
}

void
soql_free(struct soql *q)
{
	size_t i;

	if (q == NULL)
		return;
	for (i = 0; i < q->nfields; i++)
		free(q->names[i]);
	free(q->names);
	free(q->fields);
	free(q->order);
	node_free(q->where);
	free(q);
}

/* Parses a query: a new one, or NULL with the error in a (400 MALFORMED_QUERY,
 * INVALID_TYPE, INVALID_FIELD). */
struct soql *
soql_parse(const char *text, struct answer *a)
{
	struct parser p;
	struct soql *q = ecalloc(1, sizeof *q);
	struct token *t;
	size_t i, first, j;
	char object[128];

	memset(&p, 0, sizeof p);
	p.a = a;
	q->limit = -1;
	if (tokenize(&p, text) != 0)
		goto fail;
	if (!expect(&p, "SELECT"))
		goto fail;
	first = p.i;
	for (;;) {
		t = peek(&p);
		if (t->kind != TK_IDENT || is_word(t, "FROM")) {
			malformed(&p, t);
			goto fail;
		}
		p.i++;
		if (peek(&p)->kind != TK_COMMA)
			break;
		p.i++;
	}
	if (!expect(&p, "FROM"))
		goto fail;
	t = peek(&p);
	if (t->kind != TK_IDENT) {
		malformed(&p, t);
		goto fail;
	}
	snprintf(object, sizeof object, "%.*s", (int)(t->n < 100 ? t->n : 100), t->p);
	if ((p.o = q->o = store_object(object)) == NULL) {
		answer_error(
		    a, 400, "INVALID_TYPE", "sObject type '%s' is not supported.", object);
		goto fail;
	}
	p.i++;
	for (i = first; i < p.i - 2; i += 2) {
		long f = field_of(&p, &p.t[i]);

		if (f < 0)
			goto fail;
		for (j = 0; j < q->nfields; j++) {
			if (q->fields[j] == f) {
				answer_error(a, 400, "MALFORMED_QUERY",
				    "duplicate field selected: %s", p.o->fields[f].name);
				goto fail;
			}
		}
		q->fields = erealloc(q->fields, (q->nfields + 1) * sizeof *q->fields);
		q->names = erealloc(q->names, (q->nfields + 1) * sizeof *q->names);
		q->fields[q->nfields] = f;
		q->names[q->nfields] = emalloc(p.t[i].n + 1);
		memcpy(q->names[q->nfields], p.t[i].p, p.t[i].n);
		q->names[q->nfields][p.t[i].n] = '\0';
		q->nfields++;
	}
	if (accept(&p, "WHERE") && (q->where = expression(&p)) == NULL)
		goto fail;
	if (accept(&p, "ORDER")) {
		if (!expect(&p, "BY"))
			goto fail;
		for (;;) {
			struct order *o;
			long f = field_of(&p, peek(&p));

			if (f < 0)
				goto fail;
			p.i++;
			q->order = erealloc(q->order, (q->norder + 1) * sizeof *q->order);
			o = &q->order[q->norder++];
			o->field = f;
			o->desc = accept(&p, "DESC");
			if (!o->desc)
				accept(&p, "ASC");
			o->nulls_last =
			    o->desc; /* SOQL: nulls first ascending, last descending */
			if (accept(&p, "NULLS")) {
				if (accept(&p, "LAST"))
					o->nulls_last = 1;
				else if (expect(&p, "FIRST"))
					o->nulls_last = 0;
				else
					goto fail;
			}
			if (peek(&p)->kind != TK_COMMA)
				break;
			p.i++;
		}
	}
	if (accept(&p, "LIMIT")) {
		char *end;

		t = peek(&p);
		if (t->kind != TK_NUMBER || (q->limit = strtol(t->p, &end, 10)) < 0 ||
		    end != t->p + t->n) {
			malformed(&p, t);
			goto fail;
		}
		p.i++;
	}
	if (peek(&p)->kind != TK_END) {
		malformed(&p, peek(&p));
		goto fail;
	}
	for (i = 0; i < p.n; i++)
		free(p.t[i].text);
	free(p.t);
	return q;
fail:
	for (i = 0; i < p.n; i++)
		free(p.t[i].text);
	free(p.t);
	soql_free(q);
	return NULL;
}

struct sobject *
soql_object(const struct soql *q)
{
	return q->o;
}

/* The SELECT list: the fields' indexes and their names as the query spelt them. */
size_t
soql_columns(const struct soql *q, const long **fields, const char *const **names)
{
	*fields = q->fields;
	*names = (const char *const *)q->names;
	return q->nfields;
}

/* A datetime field's value as a stamp; 0 or -1 (null, or not a datetime). */
static int
value_stamp(const struct sobject *o, const struct record *r, long field, long long *ms)
{
	char buf[STAMP_SIZE];
	const char *v;

	if (field == o->stamp_field) {
		*ms = r->stamp;
		return 0;
	}
	v = store_value(o, r, (size_t)field, buf);
	return v == NULL ? -1 : stamp_parse(v, strlen(v), 0, ms);
}

/* How v compares with the literal: <0, 0, >0, or 2 when they cannot be compared. */
static int
compare(const struct sobject *o, const struct record *r, long field, const char *v,
    const struct lit *l)
{
	const struct field *f = &o->fields[field];
	char id[SFID_LEN + 1], why[SFID_WHY_SIZE], *end;
	long long ms;
	double d;
	int c;

	switch (l->kind) {
	case L_DATETIME:
		if (value_stamp(o, r, field, &ms) != 0)
			return 2;
		return ms < l->ms ? -1 : ms > l->ms;
	case L_DATE:
		if (strlen(v) < 10 || date_parse(v, 10) != 0)
			return 2;
		c = strncmp(v, l->s, 10);
		return c < 0 ? -1 : c > 0;
	case L_NUMBER:
		d = strtod(v, &end);
		if (end == v || *end != '\0' || isnan(d))
			return 2;
		return d < l->d ? -1 : d > l->d;
	case L_BOOL: return store_value_true(v) == l->b ? 0 : 1;
	case L_STRING:
		if ((f->type == T_ID || f->type == T_REFERENCE) &&
		    sfid_normalize(v, strlen(v), id, why) <= SFID_REPAIRED)
			c = strcmp(id, l->s);
		else
			c = strcasecmp(v, l->s);
		return c < 0 ? -1 : c > 0;
	case L_NULL: break;
	}
	return 2;
}

static int
same_char(char a, char b)
{
	return a == b ||
	       (((a >= 'a' && a <= 'z') || (a >= 'A' && a <= 'Z')) && (a | 0x20) == (b | 0x20));
}

/* Whether the pattern (% any run, _ any character) matches s, letters in any case. */
static int
like(const char *s, const char *pat)
{
	for (; *pat != '\0'; pat++, s++) {
		if (*pat == '%') {
			for (;; s++) {
				if (like(s, pat + 1))
					return 1;
				if (*s == '\0')
					return 0;
			}
		}
		if (*s == '\0' || (*pat != '_' && !same_char(*s, *pat)))
			return 0;
	}
	return *s == '\0';
}

static int
matches(const struct sobject *o, const struct record *r, const struct node *n)
{
	char buf[STAMP_SIZE];
	const char *v;
	size_t i;
	int c;

	switch (n->kind) {
	case N_AND: return matches(o, r, n->a) && matches(o, r, n->b);
	case N_OR: return matches(o, r, n->a) || matches(o, r, n->b);
	case N_NOT: return !matches(o, r, n->a);
	case N_LIKE:
		v = store_value(o, r, (size_t)n->field, buf);
		return v != NULL && like(v, n->lits[0].s);
	case N_IN:
		v = store_value(o, r, (size_t)n->field, buf);
		for (i = 0; i < n->nlits; i++) {
			if (n->lits[i].kind == L_NULL
			        ? v == NULL
			        : v != NULL && compare(o, r, n->field, v, &n->lits[i]) == 0)
				return !n->negate;
		}
		return n->negate;
	case N_CMP:
		v = store_value(o, r, (size_t)n->field, buf);
		if (n->lits[0].kind == L_NULL)
			return (v == NULL) == (n->op == OP_EQ);
		if (v == NULL)
			return n->op == OP_NE; /* SOQL: a null is not equal to any value */
		c = compare(o, r, n->field, v, &n->lits[0]);
		if (c == 2)
			return n->op == OP_NE;
		switch (n->op) {
		case OP_EQ: return c == 0;
		case OP_NE: return c != 0;
		case OP_LT: return c < 0;
		case OP_LE: return c <= 0;
		case OP_GT: return c > 0;
		case OP_GE: return c >= 0;
		}
	}
	return 0;
}

/* ORDER BY's comparison; the lock the caller holds makes the context safe to share. */
static const struct soql *sort_query;

static int
order_values(const struct sobject *o, const struct record *x, const struct record *y,
    const struct order *ord)
{
	const struct field *f = &o->fields[ord->field];
	char bx[STAMP_SIZE], by[STAMP_SIZE], *ex, *ey;
	const char *vx = store_value(o, x, (size_t)ord->field, bx);
	const char *vy = store_value(o, y, (size_t)ord->field, by);
	long long mx, my;
	double dx, dy;
	int c;

	if (vx == NULL || vy == NULL) {
		if (vx == vy)
			return 0;
		c = vx == NULL ? -1 : 1;
		return ord->nulls_last ? -c : c;
	}
	if (f->type == T_DATETIME && value_stamp(o, x, ord->field, &mx) == 0 &&
	    value_stamp(o, y, ord->field, &my) == 0)
		c = mx < my ? -1 : mx > my;
	else if (is_numeric(f->type) && (dx = strtod(vx, &ex), *ex == '\0') &&
	         (dy = strtod(vy, &ey), *ey == '\0'))
		c = dx < dy ? -1 : dx > dy;
	else if (f->type == T_BOOLEAN)
		c = store_value_true(vx) - store_value_true(vy);
	else
		c = strcasecmp(vx, vy);
	return ord->desc ? -c : c;
}

static int
by_order(const void *a, const void *b)
{
	const struct record *x = *(const struct record *const *)a;
	const struct record *y = *(const struct record *const *)b;
	size_t i;
	int c;

	for (i = 0; i < sort_query->norder; i++)
		if ((c = order_values(sort_query->o, x, y, &sort_query->order[i])) != 0)
			return c;
	return strcmp(x->id, y->id); /* ids are unique: the order is total */
}

/* Runs the query over the store as it is now, records in Id order unless ORDER BY says
 * otherwise; all: deleted records too (queryAll). Calls fn on each; returns how many. */
size_t
soql_run(const struct soql *q, int all, soql_row_fn fn, void *ctx)
{
	const struct sobject *o = q->o;
	const struct record **rows = emalloc((o->nrecords ? o->nrecords : 1) * sizeof *rows);
	size_t i, n = 0;

	for (i = 0; i < o->nrecords; i++) {
		const struct record *r = &o->records[i];

		if (!all && store_is_deleted(o, r))
			continue;
		if (q->where != NULL && !matches(o, r, q->where))
			continue;
		rows[n++] = r;
	}
	if (q->norder > 0) {
		sort_query = q;
		qsort(rows, n, sizeof *rows, by_order);
		sort_query = NULL;
	}
	if (q->limit >= 0 && (size_t)q->limit < n)
		n = (size_t)q->limit;
	for (i = 0; i < n; i++)
		fn(ctx, o, rows[i]);
	free(rows);
	return n;
}
