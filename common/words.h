/* words.h: the words of a map file line, double quotes and # comments understood. */
#ifndef MSI_WORDS_H
#define MSI_WORDS_H

int words_split(char *line, char **word, int max);

#endif
