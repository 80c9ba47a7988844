// BUGS Surgical, random effects: logit p_i = b_i, b_i ~ N(mu, 1/tau); BUGS priors; non-centred b = mu + z / sqrt(tau).
data { int<lower=0> N; int<lower=0> n[N]; int<lower=0> r[N]; }
parameters { real mu; real<lower=0> tau; vector[N] z; }
transformed parameters { real sigma = 1 / sqrt(tau); vector[N] b = mu + sigma * z; }
model {
  mu ~ normal(0, 1000);
  tau ~ gamma(0.001, 0.001);
  z ~ std_normal();
  r ~ binomial_logit(n, b);
}
