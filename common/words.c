/* words.c: the words of a map file line, double quotes and # comments understood. */
#include <string.h>

#include "words.h"

/*
 * Splits a line of a map file into at most max words. A word is made of plain
 * characters and double-quoted parts ("" inside quotes is one quote), so
 * ="Web Form" is the one word =Web Form. Returns the count, -1 when there
 * are more than max, or -2 when a quote is not closed.
 */
int
words_split(char *line, char **word, int max)
{
	char *in = line, *out, stop;
	int n = 0, quoted;

	for (;;) {
		while (*in == ' ' || *in == '\t' || *in == '\r' || *in == '\n')
			in++;
		if (*in == '\0' || *in == '#')
			return n;
		if (n == max)
			return -1;
		word[n++] = out = in;
		for (quoted = 0; *in != '\0'; in++) {
			if (*in == '"' && quoted && in[1] == '"')
				*out++ = *in++;
			else if (*in == '"')
				quoted = !quoted;
			else if (!quoted && strchr(" \t\r\n#", *in) != NULL)
				break;
			else
				*out++ = *in;
		}
		if (quoted)
			return -2;
		stop = *in;
		*out = '\0'; /* out never passes in */
		if (stop == '\0' || stop == '#')
			return n;
		in++;
	}
}
