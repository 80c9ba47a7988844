# Part B, lme4 data sets: long JAGS runs of the Bayesian versions the cases write (formula and model CE give the
# same model; priors listed per case in references/partB/README.md), in the hierarchically centred form the
# formula front end emits, plus lme4's (RE)ML estimates for orientation (<case>.lme4.txt; not a posterior).
#   Rscript tests/HierFunctional.Conformance/references/scripts/lme4.R [case ...]
source(file.path("tests", "HierFunctional.Conformance", "references", "scripts", "common_partB.R"))
suppressPackageStartupMessages(library(lme4))
lev <- function(x) match(x, unique(x))   # levels in order of first appearance (the library's label order)
half_cauchy <- function(s) sprintf("dt(0, %.17g, 1) T(0,)", 1 / s^2)
lme4_note <- function(name, fit) {
  capture.output(print(summary(fit)), file = file.path(ref_dir, paste0(name, ".lme4.txt")))
}

cases <- list(
  dyestuff = function() {
    d <- lme4::Dyestuff; d$Batch <- as.character(d$Batch)
    write_data("dyestuff", d)
    lme4_note("dyestuff", lmer(Yield ~ 1 + (1 | Batch), d))
    run_jags("dyestuff", sprintf("model {
      b_Intercept ~ dnorm(1500, 1 / (500 * 500))
      sd_Batch ~ %s
      sigma ~ %s
      for (j in 1:J) { r_Batch[j] ~ dnorm(b_Intercept, 1 / (sd_Batch * sd_Batch)) }
      for (i in 1:N) { Yield[i] ~ dnorm(r_Batch[Batch[i]], 1 / (sigma * sigma)) }
    }", half_cauchy(50), half_cauchy(50)), list(N = nrow(d), J = 6, Batch = lev(d$Batch), Yield = d$Yield),
    c("b_Intercept", "sd_Batch", "sigma", "r_Batch"), inits = list(b_Intercept = 1500, sd_Batch = 50, sigma = 50))
  },
  dyestuff2 = function() {
    d <- lme4::Dyestuff2; d$Batch <- as.character(d$Batch)
    write_data("dyestuff2", d)
    lme4_note("dyestuff2", lmer(Yield ~ 1 + (1 | Batch), d))
    run_jags("dyestuff2", sprintf("model {
      b_Intercept ~ dnorm(0, 1 / (10 * 10))
      sd_Batch ~ %s
      sigma ~ %s
      for (j in 1:J) { r_Batch[j] ~ dnorm(b_Intercept, 1 / (sd_Batch * sd_Batch)) }
      for (i in 1:N) { Yield[i] ~ dnorm(r_Batch[Batch[i]], 1 / (sigma * sigma)) }
    }", half_cauchy(5), half_cauchy(5)), list(N = nrow(d), J = 6, Batch = lev(d$Batch), Yield = d$Yield),
    c("b_Intercept", "sd_Batch", "sigma", "r_Batch"), n_iter = 100000, thin = 2,
    inits = list(b_Intercept = 5, sd_Batch = 1, sigma = 3))
  },
  penicillin = function() {
    d <- lme4::Penicillin; d$plate <- as.character(d$plate); d$sample <- as.character(d$sample)
    write_data("penicillin", d)
    lme4_note("penicillin", lmer(diameter ~ 1 + (1 | plate) + (1 | sample), d))
    # sample (6 levels) carries the intercept, plate (24 levels) has mean 0: the formula front end's centring.
    run_jags("penicillin", sprintf("model {
      b_Intercept ~ dnorm(20, 1 / (10 * 10))
      sd_sample ~ %s
      sd_plate ~ %s
      sigma ~ %s
      for (s in 1:S) { r_sample[s] ~ dnorm(b_Intercept, 1 / (sd_sample * sd_sample)) }
      for (p in 1:P) { r_plate[p] ~ dnorm(0, 1 / (sd_plate * sd_plate)) }
      for (i in 1:N) { diameter[i] ~ dnorm(r_sample[sample[i]] + r_plate[plate[i]], 1 / (sigma * sigma)) }
    }", half_cauchy(5), half_cauchy(5), half_cauchy(5)),
    list(N = nrow(d), S = 6, P = 24, sample = lev(d$sample), plate = lev(d$plate), diameter = d$diameter),
    c("b_Intercept", "sd_sample", "sd_plate", "sigma", "r_sample", "r_plate"),
    inits = list(b_Intercept = 23, sd_sample = 1, sd_plate = 1, sigma = 1))
  },
  pastes = function() {
    d <- lme4::Pastes; d$batch <- as.character(d$batch); d$cask <- as.character(d$cask)
    d$sample <- as.character(d$sample)      # "A:a" ..., the batch:cask combination
    write_data("pastes", d[c("strength", "batch", "cask", "sample")])
    lme4_note("pastes", lmer(strength ~ 1 + (1 | batch / cask), d))
    bc <- lev(d$sample); b <- lev(d$batch)
    batch_of <- b[match(seq_len(max(bc)), bc)]
    run_jags("pastes", sprintf("model {
      b_Intercept ~ dnorm(60, 1 / (20 * 20))
      sd_batch ~ %s
      sd_batch_cask ~ %s
      sigma ~ %s
      for (j in 1:J) { r_batch[j] ~ dnorm(b_Intercept, 1 / (sd_batch * sd_batch)) }
      for (k in 1:K) { r_batch_cask[k] ~ dnorm(r_batch[batch_of[k]], 1 / (sd_batch_cask * sd_batch_cask)) }
      for (i in 1:N) { strength[i] ~ dnorm(r_batch_cask[bc[i]], 1 / (sigma * sigma)) }
    }", half_cauchy(5), half_cauchy(5), half_cauchy(5)),
    list(N = nrow(d), J = max(b), K = max(bc), bc = bc, batch_of = batch_of, strength = d$strength),
    c("b_Intercept", "sd_batch", "sd_batch_cask", "sigma", "r_batch", "r_batch_cask"), n_iter = 100000, thin = 2,
    inits = list(b_Intercept = 60, sd_batch = 1, sd_batch_cask = 1, sigma = 1))
  },
  sleepstudy = function() {
    d <- lme4::sleepstudy; d$Subject <- paste0("s", d$Subject)   # text labels, levels in first-appearance order
    write_data("sleepstudy", d)
    lme4_note("sleepstudy", lmer(Reaction ~ Days + (Days | Subject), d))
    # Sigma_Subject ~ InverseWishart(3, 625 I) is written on the precision: Omega ~ dwish(625 I, 3).
    run_jags("sleepstudy", sprintf("model {
      b_Intercept ~ dnorm(250, 1 / (100 * 100))
      b_Days ~ dnorm(0, 1 / (20 * 20))
      Omega[1:2, 1:2] ~ dwish(R[,], 3)
      Sigma_Subject[1:2, 1:2] <- inverse(Omega[,])
      sigma ~ %s
      m[1] <- b_Intercept
      m[2] <- b_Days
      for (j in 1:J) { r_Subject[j, 1:2] ~ dmnorm(m[], Omega[,]) }
      for (i in 1:N) {
        Reaction[i] ~ dnorm(r_Subject[Subject[i], 1] + r_Subject[Subject[i], 2] * Days[i], 1 / (sigma * sigma))
      }
    }", half_cauchy(50)),
    list(N = nrow(d), J = 18, Subject = lev(d$Subject), Days = d$Days, Reaction = d$Reaction, R = diag(625, 2)),
    c("b_Intercept", "b_Days", "Sigma_Subject", "sigma", "r_Subject"),
    inits = list(b_Intercept = 250, b_Days = 10, sigma = 30, Omega = diag(1 / 400, 2)))
  },
  cbpp = function() {
    d <- lme4::cbpp; d$herd <- paste0("h", d$herd); d$period <- paste0("p", d$period)
    for (k in 2:4) d[[paste0("periodp", k)]] <- as.numeric(d$period == paste0("p", k))   # the formula's dummies
    write_data("cbpp", d)
    lme4_note("cbpp", glmer(cbind(incidence, size - incidence) ~ period + (1 | herd), d, family = binomial))
    run_jags("cbpp", sprintf("model {
      b_Intercept ~ dnorm(0, 1 / 25)
      for (k in 2:4) { b_period[k] ~ dnorm(0, 1 / 25) }
      b_period[1] <- 0
      sd_herd ~ %s
      for (j in 1:J) { r_herd[j] ~ dnorm(b_Intercept, 1 / (sd_herd * sd_herd)) }
      for (i in 1:N) {
        logit(p[i]) <- r_herd[herd[i]] + b_period[period[i]]
        incidence[i] ~ dbin(p[i], size[i])
      }
    }", half_cauchy(2.5)),
    list(N = nrow(d), J = 15, herd = lev(d$herd), period = match(d$period, c("p1", "p2", "p3", "p4")),
         incidence = d$incidence, size = d$size),
    c("b_Intercept", "b_period", "sd_herd", "r_herd"), inits = list(b_Intercept = -1, sd_herd = 1))
  },
  grouseticks = function() {
    d <- lme4::grouseticks
    d <- data.frame(TICKS = d$TICKS, YEAR = paste0("y", d$YEAR), HEIGHT = as.vector(scale(d$HEIGHT)),
                    BROOD = paste0("b", d$BROOD), INDEX = paste0("i", d$INDEX), LOCATION = paste0("l", d$LOCATION))
    d$YEARy96 <- as.numeric(d$YEAR == "y96"); d$YEARy97 <- as.numeric(d$YEAR == "y97")   # the formula's dummies
    write_data("grouseticks", d)
    lme4_note("grouseticks", glmer(TICKS ~ YEAR + HEIGHT + (1 | BROOD) + (1 | INDEX) + (1 | LOCATION), d,
                                   family = poisson))
    # LOCATION (63 levels) carries the intercept; BROOD (118) and INDEX (403, one per row) have mean 0.
    # Brood effects trade off against location effects (broods are nested in locations): plain JAGS gave R-hat 1.02
    # and bulk-ESS 330 after 4 x 50,000, so this run uses JAGS's glm module (block updates) and 4 x 100,000.
    load.module("glm")
    run_jags("grouseticks", sprintf("model {
      b_Intercept ~ dnorm(0, 1 / 25)
      b_YEARy96 ~ dnorm(0, 1 / 25)
      b_YEARy97 ~ dnorm(0, 1 / 25)
      b_HEIGHT ~ dnorm(0, 1 / 25)
      sd_LOCATION ~ %s
      sd_BROOD ~ %s
      sd_INDEX ~ %s
      for (l in 1:L) { r_LOCATION[l] ~ dnorm(b_Intercept, 1 / (sd_LOCATION * sd_LOCATION)) }
      for (b in 1:B) { r_BROOD[b] ~ dnorm(0, 1 / (sd_BROOD * sd_BROOD)) }
      for (i in 1:N) {
        r_INDEX[i] ~ dnorm(0, 1 / (sd_INDEX * sd_INDEX))
        log(lambda[i]) <- r_LOCATION[loc[i]] + r_BROOD[brood[i]] + r_INDEX[i] + b_YEARy96 * y96[i] +
                          b_YEARy97 * y97[i] + b_HEIGHT * HEIGHT[i]
        TICKS[i] ~ dpois(lambda[i])
      }
    }", half_cauchy(2.5), half_cauchy(2.5), half_cauchy(2.5)),
    list(N = nrow(d), L = length(unique(d$LOCATION)), B = length(unique(d$BROOD)), loc = lev(d$LOCATION),
         brood = lev(d$BROOD), y96 = as.numeric(d$YEAR == "y96"), y97 = as.numeric(d$YEAR == "y97"),
         HEIGHT = d$HEIGHT, TICKS = d$TICKS),
    c("b_Intercept", "b_YEARy96", "b_YEARy97", "b_HEIGHT", "sd_LOCATION", "sd_BROOD", "sd_INDEX", "r_LOCATION"),
    n_iter = 100000, thin = 10, inits = list(b_Intercept = 0, sd_LOCATION = 1, sd_BROOD = 1, sd_INDEX = 0.5),
    note = "(JAGS glm module)")
  }
)
for (case in selected(names(cases))) cases[[case]]()
