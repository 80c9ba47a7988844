// cbpp logistic random intercepts: mu ~ N(0, 2.5), tau ~ half-N(0, 1), a_j = mu + tau * z_j (non-centred).
data { int<lower=1> N; int<lower=1> J; int<lower=1, upper=J> herd[N]; int<lower=0> trials[N]; int<lower=0> incidence[N]; }
parameters { real mu; real<lower=0> tau; vector[J] z; }
transformed parameters { vector[J] a = mu + tau * z; }
model {
  mu ~ normal(0, 2.5);
  tau ~ normal(0, 1);
  z ~ std_normal();
  incidence ~ binomial_logit(trials, a[herd]);
}
