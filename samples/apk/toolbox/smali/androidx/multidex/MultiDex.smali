.class public final Landroidx/multidex/MultiDex;
.super Ljava/lang/Object;
.source "MultiDex.java"

.method public static install(Landroid/content/Context;)V
    .registers 4
    const-string v0, "/data/app/secondary-dexes/classes2.zip"
    const-string v1, "/data/app/secondary-dexes/classes2.dex"
    const/4 v2, 0x0
    invoke-static {v0, v1, v2}, Ldalvik/system/DexFile;->loadDex(Ljava/lang/String;Ljava/lang/String;I)Ldalvik/system/DexFile;
    return-void
.end method
