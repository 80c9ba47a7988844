# Simulates the two synthetic data sets used by tests and tutorials:
#   docs/data/students.csv     (two-level: 12 schools, students nested in schools)
#   docs/data/three_level.csv  (three-level: 6 schools > classrooms > students)
# Run from the repository root:  Rscript docs/data/make_simulated.R
# Scores are rounded to 2 decimals; the rounded CSV is the data set (references are computed from the CSV).

out_dir <- file.path("docs", "data")

## students: score ~ Normal(theta[school], sigma), theta ~ Normal(mu, tau); mu = 50, tau = 5, sigma = 10
set.seed(20261122)
n_schools <- 12
sizes <- sample(5:40, n_schools - 1)          # distinct sizes in 5..40
sizes <- append(sizes, 1L, after = 6)          # school S07 has a single student
theta <- rnorm(n_schools, mean = 50, sd = 5)
school <- rep(sprintf("S%02d", seq_len(n_schools)), times = sizes)
score <- rnorm(sum(sizes), mean = rep(theta, times = sizes), sd = 10)
write.csv(data.frame(school = school, score = round(score, 2)),
          file.path(out_dir, "students.csv"), row.names = FALSE)

## three_level: score ~ Normal(class_effect[classroom], sigma),
## class_effect ~ Normal(school_effect[school], tau_class), school_effect ~ Normal(mu, tau_school);
## mu = 70, tau_school = 6, tau_class = 3, sigma = 8
set.seed(20261123)
rows <- list()
for (s in 1:6) {
  school_eff <- rnorm(1, 70, 6)
  n_class <- sample(2:4, 1)
  for (c in seq_len(n_class)) {
    class_eff <- rnorm(1, school_eff, 3)
    n_stud <- sample(3:15, 1)
    rows[[length(rows) + 1]] <- data.frame(
      school = sprintf("S%d", s),
      classroom = sprintf("S%d-C%d", s, c),
      score = round(rnorm(n_stud, class_eff, 8), 2))
  }
}
write.csv(do.call(rbind, rows), file.path(out_dir, "three_level.csv"), row.names = FALSE)
