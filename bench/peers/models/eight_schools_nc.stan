// Eight schools, non-centred (Stan's standard formulation for this posterior; used for both eight-schools rows).
// mu ~ N(0, 5), tau ~ half-Cauchy(0, 5), theta = mu + tau * eta, eta ~ N(0, 1).
data { int<lower=0> J; vector[J] y; vector<lower=0>[J] sigma; }
parameters { real mu; real<lower=0> tau; vector[J] eta; }
transformed parameters { vector[J] theta = mu + tau * eta; }
model {
  mu ~ normal(0, 5);
  tau ~ cauchy(0, 5);
  eta ~ std_normal();
  y ~ normal(theta, sigma);
}
