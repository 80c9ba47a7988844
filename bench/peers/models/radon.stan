// Minnesota radon, varying intercepts by county plus a floor slope (Gelman & Hill ch. 12), centred as in their
// Stan code (most counties have several houses); the library's priors: mu, beta ~ N(0, 10), tau, sigma ~ half-N(0, 1).
data { int<lower=1> N; int<lower=1> J; int<lower=1, upper=J> county[N]; vector[N] x; vector[N] y; }
parameters { real mu; real beta; real<lower=0> tau; real<lower=0> sigma; vector[J] a; }
model {
  mu ~ normal(0, 10); beta ~ normal(0, 10);
  tau ~ normal(0, 1); sigma ~ normal(0, 1);
  a ~ normal(mu, tau);
  y ~ normal(a[county] + beta * x, sigma);
}
