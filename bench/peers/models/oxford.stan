// BUGS Oxford: log odds ratio linear-quadratic in year plus sigma * b_i, b_i ~ N(0, 1) (already non-centred),
// sigma ~ U(0, 3); BUGS priors.
data { int<lower=1> K; int<lower=0> r0[K]; int<lower=0> n0[K]; int<lower=0> r1[K]; int<lower=0> n1[K]; vector[K] year; }
parameters { real alpha; real beta1; real beta2; real<lower=0, upper=3> sigma; vector[K] b; vector[K] mu; }
model {
  alpha ~ normal(0, 1000); beta1 ~ normal(0, 1000); beta2 ~ normal(0, 1000);
  b ~ std_normal();
  mu ~ normal(0, 1000);
  r0 ~ binomial_logit(n0, mu);
  r1 ~ binomial_logit(n1, mu + alpha + beta1 * year + beta2 * (square(year) - 22) + sigma * b);
}
