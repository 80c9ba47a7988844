"theta" <- 1500
"tau.within" <- 1
"tau.between" <- 1
