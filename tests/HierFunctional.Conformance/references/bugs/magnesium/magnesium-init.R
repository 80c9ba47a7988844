# No inits: JAGS generates every node, as the library does.
