/* exitcode.h: the exit statuses every msi tool uses. The numbers never change. */
#ifndef MSI_EXITCODE_H
#define MSI_EXITCODE_H

enum msi_exit {
	MSI_EXIT_OK = 0,       /* every record was handled */
	MSI_EXIT_REJECTS = 1,  /* the run finished; some records were rejected */
	MSI_EXIT_USAGE = 2,    /* bad option or argument */
	MSI_EXIT_BADINPUT = 3, /* input not in the promised format; stopped */
	MSI_EXIT_IO = 4,       /* a file could not be opened, read or written */
	MSI_EXIT_SERVICE = 5,  /* Marketo or the network failed; stopped */
	MSI_EXIT_QUOTA =
	    6, /* Marketo's daily quota, or the org's API requests, spent; resumable */
	MSI_EXIT_BUSY = 7, /* another process holds what this one needs; try later */
	MSI_EXIT_STALE =
	    8 /* a run resumed after a newer one moved its state: a new run does its work */
};

#endif
