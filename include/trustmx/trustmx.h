/*
 * trustmx/trustmx.h - everything libtrustmx offers, in one include.
 */
#ifndef TRUSTMX_TRUSTMX_H
#define TRUSTMX_TRUSTMX_H

#include <trustmx/version.h>
#include <trustmx/addr.h>
#include <trustmx/proxy.h>
#include <trustmx/cidrset.h>
#include <trustmx/cidrtab.h>
#include <trustmx/trust.h>

#endif
