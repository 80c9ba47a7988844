// BUGS Blocker: random-effects meta-analysis; BUGS priors; non-centred delta = d + z / sqrt(tau).
data { int<lower=1> Num; int<lower=0> rt[Num]; int<lower=0> nt[Num]; int<lower=0> rc[Num]; int<lower=0> nc[Num]; }
parameters { real d; real<lower=0> tau; vector[Num] mu; vector[Num] z; real z_new; }
transformed parameters { real sigma = 1 / sqrt(tau); vector[Num] delta = d + sigma * z; real delta_new = d + sigma * z_new; }
model {
  d ~ normal(0, 1000);
  tau ~ gamma(0.001, 0.001);
  mu ~ normal(0, sqrt(1e5));
  z ~ std_normal();
  z_new ~ std_normal();
  rc ~ binomial_logit(nc, mu);
  rt ~ binomial_logit(nt, mu + delta);
}
