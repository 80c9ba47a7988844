// Reaction ~ Days + (Days | Subject): b_j ~ MvNormal(mu, diag(s) L L' diag(s)), L ~ LKJ(1), s, sigma ~ half-t(3, 0, 25),
// mu[1] ~ N(250, 100), mu[2] ~ N(10, 25): the library's sleepstudy-LKJ model. Non-centred (Stan's standard form).
data { int<lower=1> N; int<lower=1> J; int<lower=1, upper=J> g[N]; vector[N] days; vector[N] y; }
parameters {
  vector[2] mu; vector<lower=0>[2] s; real<lower=0> sigma;
  cholesky_factor_corr[2] L; matrix[2, J] z;
}
transformed parameters {
  matrix[J, 2] b = rep_matrix(mu', J) + (diag_pre_multiply(s, L) * z)';
}
model {
  mu[1] ~ normal(250, 100);
  mu[2] ~ normal(10, 25);
  s ~ student_t(3, 0, 25);
  sigma ~ student_t(3, 0, 25);
  L ~ lkj_corr_cholesky(1);
  to_vector(z) ~ std_normal();
  y ~ normal(b[g, 1] + b[g, 2] .* days, sigma);
}
generated quantities { real rho = L[2, 1]; }
