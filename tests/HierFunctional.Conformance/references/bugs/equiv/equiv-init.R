"mu" <- 0
"phi" <- 0
"pi" <- 0
"tau" <- c(1,1)
