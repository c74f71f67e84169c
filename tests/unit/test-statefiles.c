/*
 * test-statefiles.c: the state files msi-load, msi-apply and msi-writeback
 * read back, made for another input or edited by hand, each refused with
 * its status and a message naming the member; the input identity they are
 * bound to (common/inputid.c). The readers are compiled in from the tools'
 * own sources, so that the whole table runs in one process: under
 * valgrind, one start instead of one a state.
 */
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../../load/checkpoint.c"
#include "../../apply/applystate.c"
#include "../../writeback/digests.c"
#include "objects.h"
#include "unit.h"

/* The bytes inputid.c reads at a time: lines across them are counted as the others. */
#define READ ((size_t)64 << 10)

/* Where the messages go while the readers run (stderr): a file read back after each. */
static int said_fd;

static void
put(const char *path, const char *text, size_t len)
{
	FILE *fp = fopen(path, "w");

	if (fp == NULL || fwrite(text, 1, len, fp) != len || fclose(fp) != 0) {
		perror(path);
		exit(1);
	}
}

static void
puts_file(const char *path, const char *text)
{
	put(path, text, strlen(text));
}

/* The messages since the last call, on one line. */
static const char *
said(void)
{
	static char buf[4096];
	ssize_t n;

	fflush(stderr);
	n = pread(said_fd, buf, sizeof buf - 1, 0);
	buf[n > 0 ? n : 0] = '\0';
	if (n > 0 && buf[n - 1] == '\n')
		buf[n - 1] = '\0';
	if (ftruncate(said_fd, 0) != 0)
		exit(1);
	return buf;
}

/* The records ndjson_read finds in path: what inputid's count must equal. */
static unsigned long
ndjson_records(const char *path)
{
	struct ndjson_reader r;
	enum ndjson_result res;
	unsigned long n = 0;
	FILE *fp = fopen(path, "r");
	json_t *obj;

	ndjson_reader_init(&r, fp, path);
	while ((res = ndjson_read(&r, &obj)) != NDJSON_EOF && res != NDJSON_READERR) {
		n++;
		json_decref(obj);
	}
	ndjson_reader_free(&r);
	fclose(fp);
	return n;
}

static void
check_count(const char *name, const char *path)
{
	char *names[] = {(char *)path};
	unsigned long want = ndjson_records(path);
	struct inputs in;
	char label[128];

	snprintf(label, sizeof label, "%s: %lu, as ndjson_read counts", name, want);
	CHECK(label, inputs_identify(&in, names, 1) == 0 && in.records == want);
	inputs_free(&in);
}

/* A state's text: fmt with "%s" for the identity of in.ndjson as it is. */
static const char *
state_text(const char *fmt, const char *identity)
{
	static char buf[2048];

	snprintf(buf, sizeof buf, fmt, identity);
	return buf;
}

static void
test_inputid(void)
{
	char *names[] = {"in.ndjson"}, *two[] = {"in.ndjson", "other.ndjson"}, why[1200];
	struct inputs in, now;
	struct stat sb;
	struct timespec times[2];
	uint64_t records;
	char *text;
	json_t *st;

	puts_file("empty.ndjson", "");
	CHECK("an empty file", inputs_identify(&in, (char *[]){"empty.ndjson"}, 1) == 0 &&
	                           in.id[0].size == 0 && in.records == 0 &&
	                           in.id[0].hash == 0xcbf29ce484222325ULL);
	inputs_free(&in);
	puts_file("a.ndjson", "a");
	CHECK("FNV-1a of \"a\"", inputs_identify(&in, (char *[]){"a.ndjson"}, 1) == 0 &&
	                             in.id[0].hash == 0xaf63dc4c8601ec8cULL &&
	                             in.id[0].size == 1);
	inputs_free(&in);

	puts_file(
	    "blanks.ndjson", "{\"a\":1}\n\n  \t\n \r\r\n{\"b\":2}\r\n \r \n\r\n{x\n{\"c\":3}");
	check_count(
	    "records: blank lines, CRs, a blank after a CR, no final LF", "blanks.ndjson");
	/* a CR at the end of a read, a blank at the start of the next: a record */
	text = malloc(READ + 8);
	memset(text, ' ', READ);
	text[READ - 1] = '\r';
	memcpy(text + READ, " \n{}\n  \n", 8);
	put("across.ndjson", text, READ + 8);
	free(text);
	check_count("records: lines across the reads", "across.ndjson");

	CHECK("standard input refused",
	    inputs_identify(&in, (char *[]){"-"}, 1) == MSI_EXIT_USAGE &&
	        strstr(said(), "standard input") != NULL);
	inputs_free(&in);
	unlink("fifo");
	if (mkfifo("fifo", 0600) == 0) {
		CHECK("a FIFO refused, not waited on",
		    inputs_identify(&in, (char *[]){"fifo"}, 1) == MSI_EXIT_USAGE &&
		        strstr(said(), "not a regular file") != NULL);
		inputs_free(&in);
	}
	CHECK("a missing file",
	    inputs_identify(&in, (char *[]){"nope"}, 1) == MSI_EXIT_IO && said()[0] != '\0');
	inputs_free(&in);

	/* a state of in.ndjson as it was, compared with in.ndjson as it is */
	puts_file("in.ndjson", "{\"k\":1}\n{\"k\":2}\n");
	inputs_identify(&in, names, 1);
	st = json_pack(
	    "{s:o, s:o}", "input", inputs_names(&in), "identity", inputs_identity(&in));
	stat("in.ndjson", &sb);
	CHECK("the same file",
	    inputs_compare(&in, st, &sb, &records, why, sizeof why) == INPUTS_SAME &&
	        records == 2);
	puts_file("in.ndjson", "{\"k\":1}\n{\"k\":3}\n");
	inputs_identify(&now, names, 1);
	CHECK("the same size, another content",
	    inputs_compare(&now, st, &sb, &records, why, sizeof why) == INPUTS_OTHER &&
	        records == 2 && strstr(why, "changed since: content") != NULL);
	inputs_free(&now);
	puts_file("in.ndjson", "{\"k\":1}\n");
	inputs_identify(&now, names, 1);
	CHECK("another size",
	    inputs_compare(&now, st, &sb, &records, why, sizeof why) == INPUTS_OTHER &&
	        strstr(why, "changed since: size") != NULL);
	inputs_free(&now);
	puts_file("other.ndjson", "");
	inputs_identify(&now, two, 2);
	CHECK("more files than the state's",
	    inputs_compare(&now, st, &sb, &records, why, sizeof why) == INPUTS_OTHER &&
	        strstr(why, "fewer input files (not other.ndjson)") != NULL);
	inputs_free(&now);
	inputs_free(&in);

	/* a state of the version before: names only; the file's time decides */
	json_object_del(st, "identity");
	inputs_identify(&in, names, 1);
	times[0].tv_sec = times[1].tv_sec = 1000000000;
	times[0].tv_nsec = times[1].tv_nsec = 0;
	utimensat(AT_FDCWD, "in.ndjson", times, 0);
	inputs_free(&in);
	inputs_identify(&in, names, 1);
	sb.st_mtim.tv_sec = 1000000000;
	sb.st_mtim.tv_nsec = 0;
	CHECK("an old state, the file as old: taken by its name",
	    inputs_compare(&in, st, &sb, &records, why, sizeof why) == INPUTS_SAME &&
	        records == 1);
	sb.st_mtim.tv_nsec = 0;
	sb.st_mtim.tv_sec = 999999999;
	CHECK("an old state, the file modified after it: another",
	    inputs_compare(&in, st, &sb, &records, why, sizeof why) == INPUTS_OTHER &&
	        records == UINT64_MAX && strstr(why, "earlier version") != NULL);
	inputs_free(&in);
	json_decref(st);
}

/* A state written by state_write over in.ndjson (3 lines), all answered, read back. */
static void
test_apply_written(void)
{
	static char *names[] = {"in.ndjson"};
	struct apply a;
	int st;

	unlink("apply.state");
	memset(&a, 0, sizeof a);
	a.state_name = "apply.state";
	a.files = names;
	a.nfiles = 1;
	st = state_open(&a);
	a.written = a.unsent = 0;
	a.skip = 3; /* as if the run had answered them all */
	state_write(&a);
	close(a.state_fd);
	json_decref(a.jobs);
	inputs_free(&a.inputs);
	memset(&a, 0, sizeof a);
	a.state_name = "apply.state";
	a.files = names;
	a.nfiles = 1;
	CHECK("msi-apply's state: none, then one written, read back",
	    st == 0 && state_open(&a) == 0 && a.skip == 3 &&
	        strstr(said(), "resuming after 3 lines") != NULL);
	close(a.state_fd);
	json_decref(a.jobs);
	json_decref(a.answered_loaded);
	inputs_free(&a.inputs);
}

/* msi-apply's state_open on state text over in.ndjson: its status; said() has the message. */
static int
apply_open(const char *text)
{
	static char *names[] = {"in.ndjson"};
	struct apply a;
	int st;

	memset(&a, 0, sizeof a);
	a.state_fd = -1;
	a.state_name = "apply.state";
	a.files = names;
	a.nfiles = 1;
	puts_file("apply.state", text);
	st = state_open(&a);
	json_decref(a.jobs);
	json_decref(a.answered_loaded);
	inputs_free(&a.inputs);
	if (a.state_fd >= 0)
		close(a.state_fd);
	return st;
}

/* The start of a state of msi-apply's over in.ndjson; the rest follows. */
#define APPLY "{\"msi-apply\":1,\"input\":[\"in.ndjson\"],"
#define JOB   "{\"object\":\"Lead\",\"id\":\"750SIM000000001YBA\",\"state\":\"Open\","
#define DONE  "{\"status\":\"updated\",\"retryable\":false,\"written\":true}"
/* an identity of another in.ndjson: 5 bytes, 2 records */
#define OTHER "\"identity\":[{\"size\":5,\"records\":2,\"fnv1a64\":\"0000000000000000\"}]"

static void
test_apply(const char *id)
{
	static const struct {
		const char *name, *fmt;
		int status;
		const char *said;
	} table[] = {
	    {"a whole state", APPLY "\"acknowledged\":3,\"jobs\":[],\"answered\":{},%s}", 0,
	        "resuming after 3"},
	    {"answered lines past the checkpoint",
	        APPLY
	        "\"acknowledged\":1,\"jobs\":[],\"answered\":{\"2\":{\"status\":\"failed\","
	        "\"retryable\":true,\"written\":false,\"reasons\":[{\"code\":\"X\","
	        "\"message\":\"m\",\"fields\":[\"F\"]}]}},%s}",
	        0, "and some past them"},
	    {"a job's count of 2^61",
	        APPLY "\"acknowledged\":0,\"jobs\":[" JOB
	              "\"first\":0,\"count\":2305843009213693952}],%s}",
	        3, "jobs[0].count"},
	    {"a job's first + count past the input",
	        APPLY "\"acknowledged\":1,\"jobs\":[" JOB "\"first\":1,\"count\":2}],%s}", 3,
	        "jobs[0].count"},
	    {"a job's first near 2^63",
	        APPLY "\"acknowledged\":0,\"jobs\":[" JOB
	              "\"first\":9223372036854775807,\"count\":1}],%s}",
	        3, "jobs[0].first"},
	    {"a job without members", APPLY "\"acknowledged\":0,\"jobs\":[{}],%s}", 3,
	        "jobs[0].object"},
	    {"a job not an object", APPLY "\"acknowledged\":0,\"jobs\":[7],%s}", 3,
	        "jobs[0].object"},
	    {"a job's object not a name",
	        APPLY
	        "\"acknowledged\":0,\"jobs\":[{\"object\":\"Le ad\",\"id\":\"750SIM000000001YBA\","
	        "\"state\":\"Open\",\"first\":0,\"count\":1}],%s}",
	        3, "jobs[0].object"},
	    {"a job's id not an id",
	        APPLY
	        "\"acknowledged\":0,\"jobs\":[{\"object\":\"Lead\",\"id\":\"../x\",\"state\":"
	        "\"Open\",\"first\":0,\"count\":1}],%s}",
	        3, "jobs[0].id"},
	    {"a job's state not one written",
	        APPLY
	        "\"acknowledged\":0,\"jobs\":[{\"object\":\"Lead\",\"id\":\"750SIM000000001YBA\","
	        "\"state\":7,\"first\":0,\"count\":1}],%s}",
	        3, "jobs[0].state"},
	    {"a job twice",
	        APPLY "\"acknowledged\":0,\"jobs\":[" JOB "\"first\":0,\"count\":1}," JOB
	              "\"first\":1,\"count\":1}],%s}",
	        3, "jobs[1].id"},
	    {"jobs not an array", APPLY "\"acknowledged\":0,\"jobs\":null,%s}", 3,
	        "jobs: not an array"},
	    {"acknowledged -1", APPLY "\"acknowledged\":-1,\"jobs\":[],%s}", 3, "acknowledged"},
	    {"acknowledged past the input", APPLY "\"acknowledged\":4,\"jobs\":[],%s}", 3,
	        "acknowledged"},
	    {"acknowledged a real", APPLY "\"acknowledged\":1.0,\"jobs\":[],%s}", 3,
	        "acknowledged"},
	    {"an answered line before the checkpoint",
	        APPLY "\"acknowledged\":2,\"jobs\":[],\"answered\":{\"1\":" DONE "},%s}", 3,
	        "answered: line 1 is not"},
	    {"an answered line past the input",
	        APPLY "\"acknowledged\":0,\"jobs\":[],\"answered\":{\"99999999999999999\":" DONE
	              "},%s}",
	        3, "answered: line 99999999999999999 is not"},
	    {"an answered line not a number",
	        APPLY "\"acknowledged\":0,\"jobs\":[],\"answered\":{\"-1\":" DONE "},%s}", 3,
	        "answered: a key is not"},
	    {"an answered line's status",
	        APPLY "\"acknowledged\":0,\"jobs\":[],\"answered\":{\"1\":{\"status\":null,"
	              "\"retryable\":false,\"written\":true}},%s}",
	        3, "answered.1"},
	    {"an answered line without written",
	        APPLY
	        "\"acknowledged\":0,\"jobs\":[],\"answered\":{\"1\":{\"status\":\"failed\","
	        "\"retryable\":false}},%s}",
	        3, "answered.1"},
	    {"an answered line's reasons",
	        APPLY
	        "\"acknowledged\":0,\"jobs\":[],\"answered\":{\"1\":{\"status\":\"failed\","
	        "\"retryable\":false,\"written\":false,\"reasons\":[{\"code\":\"X\","
	        "\"message\":\"m\",\"fields\":[1]}]}},%s}",
	        3, "answered.1"},
	    {"another tool's JSON",
	        "{\"object\":\"leads\",\"input\":[\"in.ndjson\"],\"acknowledged\":1,%s}", 3,
	        "not a state file of msi-apply"},
	    {"not an object", "[1,2]", 3, "not a state file of msi-apply"},
	    {"a key twice", "{\"msi-apply\":1,\"msi-apply\":1}", 3, "duplicate"},
	    {"an identity of another type",
	        APPLY "\"acknowledged\":0,\"jobs\":[],\"identity\":{}}", 3, "identity:"},
	    {"an identity's hash not hex",
	        APPLY "\"acknowledged\":0,\"jobs\":[],\"identity\":[{\"size\":1,\"records\":1,"
	              "\"fnv1a64\":\"xyz\"}]}",
	        3, "identity[0]"},
	    {"of the version before, acknowledged past the input",
	        APPLY "\"acknowledged\":9,\"jobs\":[]}", 3, "acknowledged"},
	    {"of another content, stopped part way",
	        APPLY "\"acknowledged\":1,\"jobs\":[]," OTHER "}", 2,
	        "(changed since: size); give the file it was made for, or remove apply.state"},
	    {"of another content, a job to follow",
	        APPLY "\"acknowledged\":0,\"jobs\":[" JOB "\"first\":0,\"count\":1}]," OTHER
	              "}",
	        2, "give the file"},
	    {"of another content, answered whole",
	        APPLY "\"acknowledged\":2,\"jobs\":[]," OTHER "}", 0,
	        "(changed since: size), whose run answered all its input: starting afresh"},
	    {"of another content, nothing answered",
	        APPLY "\"acknowledged\":0,\"jobs\":[]," OTHER "}", 0,
	        "in which nothing was answered: starting afresh"},
	    {"of other files",
	        "{\"msi-apply\":1,\"input\":[\"up.ndjson\"],\"acknowledged\":1,\"jobs\":[]," OTHER
	        "}",
	        2, "another input (up.ndjson, not in.ndjson)"},
	};
	char label[160];
	const char *msg;
	size_t i;
	int st;

	for (i = 0; i < sizeof table / sizeof table[0]; i++) {
		st = apply_open(state_text(table[i].fmt, id));
		msg = said();
		snprintf(label, sizeof label, "msi-apply's state: %s: status %d", table[i].name,
		    table[i].status);
		CHECK(label, st == table[i].status);
		snprintf(label, sizeof label, "msi-apply's state: %s: says \"%s\"",
		    table[i].name, table[i].said);
		CHECK(label, strstr(msg, table[i].said) != NULL &&
		                 strncmp(msg, "test-statefiles: apply.state", 28) == 0);
	}
}

/* A checkpoint written by checkpoint_write over in.ndjson (3 records) read back. */
static void
test_load_written(void)
{
	static char *names[] = {"in.ndjson", NULL};
	struct checkpoint c;
	int st;

	unlink("load.state");
	st = checkpoint_read(&c, "load.state", mkto_by_name("leads"), names);
	c.acked = 2;
	checkpoint_write(&c, 1); /* one result line; a record passed over */
	checkpoint_free(&c);
	CHECK("msi-load's checkpoint: none, then one written, read back",
	    st == 0 && checkpoint_read(&c, "load.state", mkto_by_name("leads"), names) == 0 &&
	        c.skip == 2 && c.results_before == 1 &&
	        strstr(said(), "resuming after 2 records") != NULL);
	checkpoint_free(&c);
}

/* msi-load's checkpoint_read on state text over in.ndjson: its status. */
static int
load_read(const char *text)
{
	static char *names[] = {"in.ndjson", NULL};
	struct checkpoint c;
	int st;

	puts_file("load.state", text);
	st = checkpoint_read(&c, "load.state", mkto_by_name("leads"), names);
	checkpoint_free(&c);
	return st;
}

/* The start of a checkpoint of msi-load's leads over in.ndjson; the rest follows. */
#define LOAD "{\"object\":\"leads\",\"input\":[\"in.ndjson\"],"

static void
test_load(const char *id)
{
	static const struct {
		const char *name, *fmt;
		int status;
		const char *said;
	} table[] = {
	    {"a whole checkpoint", LOAD "\"acknowledged\":3,\"results\":3,%s}", 0,
	        "resuming after 3"},
	    {"acknowledged -1", LOAD "\"acknowledged\":-1,%s}", 3, "acknowledged"},
	    {"acknowledged past the input", LOAD "\"acknowledged\":4,%s}", 3, "acknowledged"},
	    {"acknowledged 2^63 - 1", LOAD "\"acknowledged\":9223372036854775807,%s}", 3,
	        "acknowledged"},
	    {"acknowledged a string", LOAD "\"acknowledged\":\"2\",%s}", 3, "acknowledged"},
	    {"results past acknowledged", LOAD "\"acknowledged\":1,\"results\":2,%s}", 3,
	        "results"},
	    {"results -1", LOAD "\"acknowledged\":1,\"results\":-1,%s}", 3, "results"},
	    {"input a string",
	        "{\"object\":\"leads\",\"input\":\"in.ndjson\",\"acknowledged\":1,%s}", 3,
	        "input:"},
	    {"input's name a number",
	        "{\"object\":\"leads\",\"input\":[1],\"acknowledged\":1,%s}", 3, "input[0]"},
	    {"an identity's records past its size",
	        LOAD
	        "\"acknowledged\":1,\"identity\":[{\"size\":1,\"records\":2,\"fnv1a64\":\"0000000000000000\"}]}",
	        3, "identity[0]"},
	    {"no object", "{\"input\":[\"in.ndjson\"],\"acknowledged\":1}", 3, "\"object\""},
	    {"msi-apply's state",
	        "{\"msi-apply\":1,\"input\":[\"in.ndjson\"],\"acknowledged\":1,\"jobs\":[]}", 3,
	        "\"object\""},
	    {"another object's",
	        "{\"object\":\"companies\",\"input\":[\"in.ndjson\"],\"acknowledged\":1,%s}", 2,
	        "the checkpoint of companies, not leads"},
	    {"not JSON", "acknowledged: 1", 3, "load.state:1:"},
	    {"of the version before", LOAD "\"acknowledged\":1,\"results\":1}", 0,
	        "resuming after 1"},
	    {"of the version before, acknowledged -1", LOAD "\"acknowledged\":-1}", 3,
	        "acknowledged"},
	    {"of another content, stopped part way", LOAD "\"acknowledged\":1," OTHER "}", 2,
	        "(changed since: size); give the file it was made for, or remove load.state"},
	    {"of another content, answered whole",
	        LOAD "\"acknowledged\":2,\"results\":1," OTHER "}", 0,
	        "whose run answered all its input: starting afresh"},
	    {"of another content, nothing answered", LOAD "\"acknowledged\":0," OTHER "}", 0,
	        "in which nothing was answered: starting afresh"},
	};
	char label[160];
	const char *msg;
	size_t i;
	int st;

	for (i = 0; i < sizeof table / sizeof table[0]; i++) {
		st = load_read(state_text(table[i].fmt, id));
		msg = said();
		snprintf(label, sizeof label, "msi-load's checkpoint: %s: status %d",
		    table[i].name, table[i].status);
		CHECK(label, st == table[i].status);
		snprintf(label, sizeof label, "msi-load's checkpoint: %s: says \"%s\"",
		    table[i].name, table[i].said);
		CHECK(label, strstr(msg, table[i].said) != NULL &&
		                 strncmp(msg, "test-statefiles: load.state", 27) == 0);
	}
}

/* msi-writeback's digests_load on the text, in a child, as it exits on a bad state: its status.
 */
static int
digests_read(const char *text)
{
	struct digests d;
	pid_t pid;
	int st;

	puts_file("digests.state", text);
	fflush(NULL);
	if ((pid = fork()) == 0) {
		digests_load(&d, "digests.state");
		digests_free(&d);
		exit(0);
	}
	if (pid < 0 || waitpid(pid, &st, 0) != pid || !WIFEXITED(st))
		return -1;
	return WEXITSTATUS(st);
}

static void
test_digests(void)
{
	static const struct {
		const char *name, *text;
		int status;
		const char *said;
	} table[] = {
	    {"a whole state",
	        "{\"Id\":\"00QAb0100000000MAA\",\"digest\":5}\n{\"Id\":\"003Ab0100000001IAA\",\"digest\":0}\n",
	        0, ""},
	    {"an Id of 15 characters", "{\"Id\":\"00QAb0100000000\",\"digest\":5}\n", 3,
	        "digests.state:1: Id:"},
	    {"an Id with a wrong suffix", "{\"Id\":\"00QAb0100000000MAB\",\"digest\":5}\n", 3,
	        "digests.state:1: Id:"},
	    {"an Id twice",
	        "{\"Id\":\"00QAb0100000000MAA\",\"digest\":5}\n{\"Id\":\"00QAb0100000000MAA\",\"digest\":6}\n",
	        3, "digests.state:2: Id: on an earlier line"},
	    {"a negative digest", "{\"Id\":\"00QAb0100000000MAA\",\"digest\":-5}\n", 3,
	        "digests.state:1: digest"},
	    {"a digest a string", "{\"Id\":\"00QAb0100000000MAA\",\"digest\":\"5\"}\n", 3,
	        "not a state line"},
	    {"an Id with a NUL", "{\"Id\":\"00QAb01000\\u0000000MAA\",\"digest\":5}\n", 3,
	        "NUL"},
	};
	char label[160];
	const char *msg;
	size_t i;
	int st;

	for (i = 0; i < sizeof table / sizeof table[0]; i++) {
		st = digests_read(table[i].text);
		msg = said();
		snprintf(label, sizeof label, "msi-writeback's state: %s: status %d",
		    table[i].name, table[i].status);
		CHECK(label, st == table[i].status);
		snprintf(label, sizeof label, "msi-writeback's state: %s: says \"%s\"",
		    table[i].name, table[i].said);
		CHECK(label, strstr(msg, table[i].said) != NULL);
	}
}

int
main(void)
{
	char dir[] = "/tmp/test-statefiles.XXXXXX", *names[] = {"in.ndjson"}, *text, id[512],
	     rm[64];
	struct inputs in;
	json_t *ids;
	int stderr_fd;

	msg_init("test-statefiles");
	if (mkdtemp(dir) == NULL || chdir(dir) != 0)
		return 1;
	/* messages go to a file, read back by said() */
	if ((stderr_fd = dup(2)) < 0 ||
	    (said_fd = open("said", O_RDWR | O_CREAT | O_APPEND, 0600)) < 0 ||
	    dup2(said_fd, 2) < 0)
		return 1;

	test_inputid();

	/* in.ndjson: 3 records; the identity the states name */
	puts_file("in.ndjson", "{\"a\":1}\n{\"a\":2}\n\n{\"a\":3}\n");
	inputs_identify(&in, names, 1);
	ids = inputs_identity(&in);
	inputs_free(&in);
	text = json_dumps(ids, JSON_COMPACT);
	json_decref(ids);
	snprintf(id, sizeof id, "\"identity\":%s", text);
	free(text);
	test_apply_written();
	test_apply(id);
	test_load_written();
	test_load(id);
	test_digests();

	/* a sanitizer's report at exit goes where the runner sees it */
	fflush(stderr);
	dup2(stderr_fd, 2);
	snprintf(rm, sizeof rm, "rm -rf %s", dir);
	if (chdir("/") != 0 || system(rm) != 0)
		return 1;
	return unit_failed;
}
