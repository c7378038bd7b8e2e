"""nuc-mock: the sandbox's test certification authority standing for НУЦ РК."""
